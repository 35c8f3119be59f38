public import GantryCore

/// `environments.<env>.strategy`: how a `process` release takes over the traffic. Argo Rollouts' step
/// vocabulary: `setWeight`, `pause`, `analysis`.
public struct RolloutStrategy: Sendable, Hashable {
    public var steps: [RolloutStep]

    public init(steps: [RolloutStep]) { self.steps = steps }

    /// The most steps a strategy may have.
    public static let maximumSteps = 100

    /// The same rollout, more careful: each weight under 100 halved (at least 1), pauses and analysis
    /// windows twice as long, twice the requests before a verdict. Used after an abort or a rollback,
    /// until a rollout completes: the environment does not rewind (data, caches and clients keep what
    /// the bad release did), so the fix is watched more closely.
    public var cautious: RolloutStrategy {
        RolloutStrategy(
            steps: steps.map { step in
                switch step {
                case .setWeight(let weight): return .setWeight(weight >= 100 ? weight : max(1, weight / 2))
                case .pause(let duration): return .pause(duration.map { $0 * 2 })
                case .analysis(var analysis):
                    analysis.window = analysis.window * 2
                    analysis.minRequests *= 2
                    return .analysis(analysis)
                }
            })
    }
}

/// One step of a canary rollout.
public enum RolloutStep: Sendable, Hashable {
    /// The canary takes this percentage of new requests; the stable release the rest.
    case setWeight(Int)
    /// Wait this long; nil waits for `gantry rollout promote`.
    case pause(Duration?)
    /// Compare the canary with the stable release over a window of the proxy's measurements.
    case analysis(RolloutAnalysis)
}

/// `analysis:` — what the canary must do as well as the stable release, in the same window.
public struct RolloutAnalysis: Sendable, Hashable {
    /// How long to measure.
    public var window: Duration
    /// The canary fails when its error ratio (5xx and unanswered requests) exceeds the stable
    /// release's by more than this.
    public var maxErrorRatio: Double
    /// The canary fails when its p99 latency exceeds the stable release's times this.
    public var maxP99Ratio: Double
    /// Below this many canary requests in the window there is no verdict yet: the window is extended
    /// (up to five times) before the rollout aborts as inconclusive.
    public var minRequests: Int
    /// When set, the verdict is this PromQL query's instead of the proxy's measurements.
    public var prometheus: PrometheusCheck?

    public init(
        window: Duration = .seconds(30), maxErrorRatio: Double = 0.01, maxP99Ratio: Double = 2, minRequests: Int = 20,
        prometheus: PrometheusCheck? = nil
    ) {
        self.window = window
        self.maxErrorRatio = maxErrorRatio
        self.maxP99Ratio = maxP99Ratio
        self.minRequests = minRequests
        self.prometheus = prometheus
    }

    /// The keys that judge by the proxy's own measurements.
    public static let proxyKeys = ["max_error_ratio", "max_p99_ratio", "min_requests"]
    public static let keys = ["window", "prometheus"] + proxyKeys
}
