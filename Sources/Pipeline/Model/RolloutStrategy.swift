public import GantryCore

/// `environments.<env>.strategy`: how a `process` release takes over the traffic. Argo Rollouts'
/// vocabulary: `canary` with the steps `setWeight`, `pause`, `analysis`; `blueGreen` with a preview.
public struct RolloutStrategy: Sendable, Hashable {
    public var steps: [RolloutStep]
    /// `blueGreen.previewPort`: `gantry proxy` also listens here, sending every request to the new
    /// release while it waits (to the stable one when there is none).
    public var previewPort: Int?
    /// `blueGreen.scaleDownDelaySeconds`: how long the replaced release keeps running after the switch
    /// (instead of the process driver's `drain`).
    public var scaleDownDelay: Duration?

    public init(steps: [RolloutStep], previewPort: Int? = nil, scaleDownDelay: Duration? = nil) {
        self.steps = steps
        self.previewPort = previewPort
        self.scaleDownDelay = scaleDownDelay
    }

    /// Blue/green as Argo Rollouts' `blueGreen` strategy: the new release starts without traffic
    /// (reachable on the preview port and with `X-Gantry-Canary: always`), then takes all of it —
    /// after `autoPromotionSeconds`, at once when auto-promotion is on without a delay, or on
    /// `gantry rollout promote` when it is off.
    public static func blueGreen(
        previewPort: Int?, autoPromotion: Bool, autoPromotionAfter: Duration?, scaleDownDelay: Duration?
    ) -> RolloutStrategy {
        let wait: Duration? = autoPromotion ? (autoPromotionAfter ?? .zero) : nil
        return RolloutStrategy(
            steps: [.setWeight(0), .pause(wait)], previewPort: previewPort, scaleDownDelay: scaleDownDelay)
    }

    public static let blueGreenKeys = [
        "previewPort", "autoPromotionEnabled", "autoPromotionSeconds", "scaleDownDelaySeconds",
    ]

    /// The most steps a strategy may have.
    public static let maximumSteps = 100

    /// The same rollout, more careful: each weight from 1 to 99 halved (at least 1), pauses and analysis
    /// windows twice as long, twice the requests before a verdict. Used after an abort or a rollback,
    /// until a rollout completes: the environment does not rewind (data, caches and clients keep what
    /// the bad release did), so the fix is watched more closely.
    public var cautious: RolloutStrategy {
        RolloutStrategy(
            steps: steps.map { step in
                switch step {
                // 0 stays 0: a blue/green preview never takes traffic by weight.
                case .setWeight(let weight):
                    return .setWeight(weight == 0 || weight >= 100 ? weight : max(1, weight / 2))
                case .pause(let duration): return .pause(duration.map { $0 * 2 })
                case .analysis(var analysis):
                    analysis.window = analysis.window * 2
                    analysis.minRequests *= 2
                    return .analysis(analysis)
                }
            }, previewPort: previewPort, scaleDownDelay: scaleDownDelay)
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

extension RolloutStep {
    /// What a rollout at this step is doing, in a few words (`gantry rollout status`).
    public var phase: String {
        switch self {
        case .setWeight(let weight): "canary at \(weight)%"
        case .pause(let duration): duration.map { "paused for \($0.humanShort)" } ?? "paused until promoted"
        case .analysis(let analysis): "analysing over \(analysis.window.humanShort)"
        }
    }
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
