/// What a release answered over some time: requests, 5xx answers, requests it never answered, and a
/// latency histogram. The proxy keeps one per release; the state keeps the latest of each, and a
/// rollout's analysis subtracts two to get a window.
public struct TrafficCounters: Sendable, Hashable, Codable {
    /// Histogram upper bounds in seconds (Prometheus `le` labels), about 1.5 apart so that a latency
    /// twice another lands in another bucket; the last bucket is +Inf.
    public static let bounds: [Double] = [
        0.0005, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,
        0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 30,
    ]

    public var requests: Int
    public var serverErrors: Int
    public var failures: Int
    /// Sum of all latencies, in seconds.
    public var latencySeconds: Double
    /// Non-cumulative counts per bucket of `bounds`, then +Inf.
    public var buckets: [Int]

    public init(
        requests: Int = 0, serverErrors: Int = 0, failures: Int = 0, latencySeconds: Double = 0, buckets: [Int]? = nil
    ) {
        self.requests = requests
        self.serverErrors = serverErrors
        self.failures = failures
        self.latencySeconds = latencySeconds
        self.buckets = buckets ?? Array(repeating: 0, count: Self.bounds.count + 1)
    }

    /// Counts one response.
    public mutating func record(status: Int, seconds: Double) {
        requests += 1
        if status >= 500 { serverErrors += 1 }
        latencySeconds += seconds
        buckets[Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count] += 1
    }

    /// What happened between `earlier` and these counters.
    public func since(_ earlier: TrafficCounters) -> TrafficCounters {
        guard buckets.count == earlier.buckets.count else { return self }
        return TrafficCounters(
            requests: requests - earlier.requests, serverErrors: serverErrors - earlier.serverErrors,
            failures: failures - earlier.failures, latencySeconds: latencySeconds - earlier.latencySeconds,
            buckets: zip(buckets, earlier.buckets).map { $0 - $1 })
    }

    /// Failed answers (5xx, or none) per request attempted; nil without requests.
    public var errorRatio: Double? {
        let attempted = requests + failures
        return attempted == 0 ? nil : Double(serverErrors + failures) / Double(attempted)
    }

    /// The latency below which `quantile` (0…1) of the responses fell, interpolated linearly within
    /// the bucket that holds it, as Prometheus' `histogram_quantile` does; nil without responses,
    /// infinity when it falls in the last (+Inf) bucket.
    public func latency(quantile: Double) -> Double? {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = quantile * Double(total)
        var seen = 0
        for (index, count) in buckets.enumerated() where count > 0 {
            if Double(seen + count) >= rank {
                guard index < Self.bounds.count else { return .infinity }
                let lower = index == 0 ? 0 : Self.bounds[index - 1]
                let upper = Self.bounds[index]
                return lower + (upper - lower) * max(0, rank - Double(seen)) / Double(count)
            }
            seen += count
        }
        return .infinity
    }
}
