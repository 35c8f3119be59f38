public import Foundation
public import GantryCore

/// A release of an app running (or meant to run) in an environment as a process behind
/// `gantry proxy`: what the promotion wants of it (role, weight) and what the proxy's host reports.
public struct ReleaseInstance: Sendable, Hashable {
    /// What the promotion wants of the release.
    public enum Role: String, Sendable, Codable, CaseIterable {
        /// Serves the environment's traffic.
        case stable
        /// Started and made ready, taking the traffic its weight says (0 while a deploy waits for it).
        case canary
        /// Traffic moved away: it drains, then stops.
        case retired
    }

    /// What the host reports.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Not started yet.
        case pending
        /// Started, not ready yet (or restarting after it exited).
        case starting
        /// Ready: it may take traffic.
        case ready
        /// It could not be made ready (the detail says why); the host keeps retrying with backoff.
        case failed
        /// Stopped after draining.
        case stopped
    }

    public var app: String
    public var environment: String
    public var digest: Digest
    public var role: Role
    /// Its share of new requests (0–100).
    public var weight: Int
    /// When the role or weight last changed.
    public var desiredAt: Date
    /// Counts the changes of role and weight (what the host says it applied).
    public var generation: Int
    public var state: State
    /// The loopback port it listens on, once started.
    public var port: Int?
    /// What happened last, in words (why it failed, how often it restarted).
    public var detail: String
    /// The proxy routes by the current role and weight (the host sets it after applying them).
    public var applied: Bool
    public var observedAt: Date?
    /// The proxy's counters for this release (cumulative since the host started it), as last reported.
    public var traffic: TrafficCounters?

    public init(
        app: String, environment: String, digest: Digest, role: Role, weight: Int, desiredAt: Date = Date(),
        generation: Int = 0, state: State = .pending, port: Int? = nil, detail: String = "", applied: Bool = false,
        observedAt: Date? = nil, traffic: TrafficCounters? = nil
    ) {
        self.traffic = traffic
        self.app = app
        self.environment = environment
        self.digest = digest
        self.role = role
        self.weight = weight
        self.desiredAt = desiredAt
        self.generation = generation
        self.state = state
        self.port = port
        self.detail = detail
        self.applied = applied
        self.observedAt = observedAt
    }
}

/// The `gantry proxy` process hosting an app's releases in an environment, as its heartbeat says.
public struct EnvironmentHostRecord: Sendable, Hashable {
    public var app: String
    public var environment: String
    public var pid: Int32
    public var host: String
    /// Where it serves traffic (`127.0.0.1:8080`).
    public var listen: String
    public var heartbeatAt: Date

    public init(app: String, environment: String, pid: Int32, host: String, listen: String, heartbeatAt: Date = Date())
    {
        self.app = app
        self.environment = environment
        self.pid = pid
        self.host = host
        self.listen = listen
        self.heartbeatAt = heartbeatAt
    }

    /// A host that has not beaten for this long is gone.
    public static let timeout: TimeInterval = 5

    /// True when its heartbeat is recent.
    public func isAlive(at now: Date = Date()) -> Bool { now.timeIntervalSince(heartbeatAt) < Self.timeout }

    /// Why `host` does not count as a live host, for an error: none has claimed the environment, or
    /// the one that did stopped beating (when, and which process it was).
    public static func absence(of host: EnvironmentHostRecord?, at now: Date = Date()) -> String {
        guard let host else { return "no gantry proxy has claimed it" }
        let seconds = now.timeIntervalSince(host.heartbeatAt)
        return "the last heartbeat of its gantry proxy (pid \(host.pid) on \(host.host)) was "
            + (seconds < 0
                ? "stamped \(String(format: "%.1f", -seconds)) s in the future (are the clocks of its machines apart?)"
                : "\(String(format: "%.1f", seconds)) s ago (a host is live for \(Int(timeout)) s after one)")
    }
}

/// One analysis a rollout ran: the canary's and the stable release's traffic over the same window,
/// and the verdict.
public struct RolloutAnalysisRecord: Sendable, Hashable {
    public var promotionID: String
    /// The step's position in the strategy (0-based).
    public var step: Int
    public var at: Date
    public var passed: Bool
    /// The verdict in words, with the numbers that decided it.
    public var detail: String
    public var canary: TrafficCounters
    public var stable: TrafficCounters

    public init(
        promotionID: String, step: Int, at: Date = Date(), passed: Bool, detail: String, canary: TrafficCounters,
        stable: TrafficCounters
    ) {
        self.promotionID = promotionID
        self.step = step
        self.at = at
        self.passed = passed
        self.detail = detail
        self.canary = canary
        self.stable = stable
    }
}

/// What `gantry rollout` asks of a rollout in progress.
public enum RolloutSignal: String, Sendable, CaseIterable {
    /// Go on past the current pause (an indefinite pause waits for this); ends a manual pause too.
    case promote
    /// Stop: all traffic back to the stable release, the canary stopped, the promotion aborted.
    case abort
    /// Hold where it is (weights unchanged, timers stopped) until resumed.
    case pause
    /// Go on after a pause, with what was left of the step.
    case resume
}

/// Where a canary rollout is: its step, what the step does, and whether someone paused it.
public struct RolloutProgress: Sendable, Hashable {
    public var promotionID: String
    /// The step running (0-based), of `steps`.
    public var step: Int
    public var steps: Int
    /// What the step does, in words (`canary at 30%`, `paused until promoted`, `analysing over 1m`).
    public var phase: String
    /// Who paused the rollout with `gantry rollout pause`; nil while it runs.
    public var pausedBy: String?
    public var at: Date

    public init(promotionID: String, step: Int, steps: Int, phase: String, pausedBy: String? = nil, at: Date = Date()) {
        self.promotionID = promotionID
        self.step = step
        self.steps = steps
        self.phase = phase
        self.pausedBy = pausedBy
        self.at = at
    }
}
