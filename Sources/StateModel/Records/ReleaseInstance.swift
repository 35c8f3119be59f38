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

    public init(
        app: String, environment: String, digest: Digest, role: Role, weight: Int, desiredAt: Date = Date(),
        generation: Int = 0, state: State = .pending, port: Int? = nil, detail: String = "", applied: Bool = false,
        observedAt: Date? = nil
    ) {
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
}
