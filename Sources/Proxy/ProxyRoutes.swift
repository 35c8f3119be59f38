/// Where a release serves, and how much new traffic it takes.
public struct ProxyBackend: Sendable, Hashable {
    /// What the release is to a rollout.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// The release serving most traffic (last-known-good during a rollout).
        case stable
        /// The release a rollout is shifting traffic to.
        case canary
    }

    /// A name unique among the backends (the release's short digest), used in metrics and cookies.
    public var name: String
    public var role: Role
    public var host: String
    public var port: Int
    /// Relative share of new requests; 0 takes none (except by override or sticky cookie).
    public var weight: Int

    public init(name: String, role: Role, host: String = "127.0.0.1", port: Int, weight: Int) {
        self.name = name
        self.role = role
        self.host = host
        self.port = port
        self.weight = weight
    }
}

/// The whole routing decision at one moment: the proxy swaps it atomically, so a request sees
/// either the old or the new routes, never a mix. Requests already forwarded finish where they are.
public struct ProxyRoutes: Sendable, Hashable {
    public var backends: [ProxyBackend]
    /// When set, a client assigned a release by weight keeps it: the proxy sets this cookie to the
    /// release's name and honours it while that release still takes traffic.
    public var stickyCookie: String?

    public init(backends: [ProxyBackend] = [], stickyCookie: String? = nil) {
        self.backends = backends
        self.stickyCookie = stickyCookie
    }

    /// The header that pins a request to a role: `always` → the canary, `never` → the stable release.
    public static let overrideHeader = "X-Gantry-Canary"
}
