import Synchronization

/// Counters of one release behind the proxy: requests, 5xx answers, failures to reach it, and a
/// latency histogram (time to the response's end).
public final class BackendStats: Sendable {
    /// Histogram upper bounds in seconds (Prometheus `le` labels); the last bucket is +Inf.
    public static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let counters = Mutex(Snapshot())

    public init() {}

    /// One response from the release, `status` and how long it took from the request to its end.
    func record(status: Int, latency: Duration) {
        let seconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18
        let index = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        counters.withLock { counters in
            counters.requests += 1
            if status >= 500 { counters.serverErrors += 1 }
            counters.latencySeconds += seconds
            counters.buckets[index] += 1
        }
    }

    /// A request that never got a response from the release (refused, reset, timed out): the client
    /// got a 502 or the request was retried elsewhere.
    func recordFailure() {
        counters.withLock { $0.failures += 1 }
    }

    /// The counters now.
    public var snapshot: Snapshot { counters.withLock { $0 } }

    /// Counters at one moment; two snapshots subtract to give a window.
    public struct Snapshot: Sendable, Hashable {
        public var requests: Int
        public var serverErrors: Int
        public var failures: Int
        /// Sum of all latencies.
        public var latencySeconds: Double
        /// Non-cumulative counts per bucket of `BackendStats.bounds`, then +Inf.
        public var buckets: [Int]

        public init(
            requests: Int = 0, serverErrors: Int = 0, failures: Int = 0, latencySeconds: Double = 0,
            buckets: [Int]? = nil
        ) {
            self.requests = requests
            self.serverErrors = serverErrors
            self.failures = failures
            self.latencySeconds = latencySeconds
            self.buckets = buckets ?? Array(repeating: 0, count: BackendStats.bounds.count + 1)
        }

        /// What happened between `earlier` and this snapshot.
        public func since(_ earlier: Snapshot) -> Snapshot {
            Snapshot(
                requests: requests - earlier.requests, serverErrors: serverErrors - earlier.serverErrors,
                failures: failures - earlier.failures, latencySeconds: latencySeconds - earlier.latencySeconds,
                buckets: zip(buckets, earlier.buckets).map { $0 - $1 })
        }

        /// Failed answers (5xx, or no answer) per request attempted; nil without requests.
        public var errorRatio: Double? {
            let attempted = requests + failures
            return attempted == 0 ? nil : Double(serverErrors + failures) / Double(attempted)
        }

        /// The latency below which `quantile` (0…1) of the responses fell, as the upper bound of
        /// the histogram bucket holding it (what Prometheus' histogram_quantile interpolates within);
        /// nil without responses, infinity when it falls in the last bucket.
        public func latency(quantile: Double) -> Double? {
            let total = buckets.reduce(0, +)
            guard total > 0 else { return nil }
            let rank = quantile * Double(total)
            var seen = 0
            for (index, count) in buckets.enumerated() {
                seen += count
                if Double(seen) >= rank && count > 0 {
                    return index < BackendStats.bounds.count ? BackendStats.bounds[index] : .infinity
                }
            }
            return .infinity
        }
    }
}
