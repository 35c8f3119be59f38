import Foundation
import Synchronization

/// The routes the proxy follows now, the counters of every release it has routed to, and which
/// releases recently refused connections (they are avoided for a moment).
public final class RouteTable: Sendable {
    private struct State {
        var routes = ProxyRoutes()
        var stats: [String: BackendStats] = [:]
        /// Backend name → its pool key (`host:port`), made once per routes update, not per request.
        var keys: [String: String] = [:]
        /// Backend name → until when it is avoided after a failed connection.
        var avoidedUntil: [String: ContinuousClock.Instant] = [:]
        /// A fast generator for weighted choices (the system one costs a system call per request).
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
    }

    private let state = Mutex(State())
    /// How long a release that refused a connection is avoided for new requests.
    static let avoidance = Duration.seconds(2)

    public init(_ routes: ProxyRoutes = ProxyRoutes()) {
        update(routes)
    }

    /// Replaces the routes; new requests follow them at once.
    public func update(_ routes: ProxyRoutes) {
        state.withLock { state in
            state.routes = routes
            state.keys = Dictionary(
                routes.backends.map { ($0.name, UpstreamPool.key($0.host, $0.port)) }, uniquingKeysWith: { $1 })
            for backend in routes.backends where state.stats[backend.name] == nil {
                state.stats[backend.name] = BackendStats()
            }
        }
    }

    public var routes: ProxyRoutes { state.withLock { $0.routes } }

    /// The counters of the release named `name` (kept after it leaves the routes).
    public func stats(_ name: String) -> BackendStats? { state.withLock { $0.stats[name] } }

    /// Every release's counters, by name.
    public var allStats: [String: BackendStats] { state.withLock { $0.stats } }

    /// The release a request goes to, and whether it was chosen by weight (then a sticky cookie is set).
    struct Choice {
        var backend: ProxyBackend
        var stats: BackendStats
        var byWeight: Bool
        /// The sticky cookie's name, when the routes have one.
        var stickyCookie: String?
        /// The upstream pool's key for the backend.
        var key: String
    }

    /// The sticky cookie's name, when the routes set one.
    var stickyCookie: String? { state.withLock { $0.routes.stickyCookie } }

    /// Picks a release for a request: the `X-Gantry-Canary` override (`always`/`never`), then a sticky
    /// cookie naming a release that still takes traffic, then weighted choice among releases not
    /// avoided (all of them when every one is). `excluding` names a release that just failed this request.
    /// Runs for every request: one lock, no allocation.
    func choose(override: String?, cookie: String?, excluding: String? = nil) -> Choice? {
        state.withLock { state -> Choice? in
            let backends = state.routes.backends
            let sticky = state.routes.stickyCookie
            func choice(_ backend: ProxyBackend, byWeight: Bool) -> Choice? {
                guard let stats = state.stats[backend.name] else { return nil }
                return Choice(
                    backend: backend, stats: stats, byWeight: byWeight, stickyCookie: sticky,
                    key: state.keys[backend.name] ?? UpstreamPool.key(backend.host, backend.port))
            }
            let now = state.avoidedUntil.isEmpty ? nil : ContinuousClock.now
            func available(_ backend: ProxyBackend) -> Bool {
                guard let now, let until = state.avoidedUntil[backend.name] else { return true }
                return until <= now
            }
            if let override {
                let role: ProxyBackend.Role? =
                    override.caseInsensitiveCompare("always") == .orderedSame
                    ? .canary : override.caseInsensitiveCompare("never") == .orderedSame ? .stable : nil
                if let role, let pinned = backends.first(where: { $0.role == role && $0.name != excluding }) {
                    return choice(pinned, byWeight: false)
                }
            }
            if let cookie,
                let pinned = backends.first(where: { $0.name == cookie && $0.weight > 0 && $0.name != excluding }),
                available(pinned)
            {
                return choice(pinned, byWeight: false)
            }
            // Two passes over the few backends, without building arrays: releases not avoided first,
            // every release when all are avoided.
            for includeAvoided in [false, true] {
                var total = 0
                for backend in backends
                where backend.weight > 0 && backend.name != excluding && (includeAvoided || available(backend)) {
                    total += backend.weight
                }
                guard total > 0 else { continue }
                var pick = Int(state.random.next() % UInt64(total))
                for backend in backends
                where backend.weight > 0 && backend.name != excluding && (includeAvoided || available(backend)) {
                    if pick < backend.weight { return choice(backend, byWeight: true) }
                    pick -= backend.weight
                }
            }
            return nil
        }
    }

    /// A connection to `name` failed: avoid it for new requests for a moment.
    func avoid(_ name: String) {
        state.withLock { $0.avoidedUntil[name] = ContinuousClock.now.advanced(by: Self.avoidance) }
    }

    /// A connection to `name` worked again.
    func clearAvoidance(_ name: String) {
        state.withLock { state in
            if state.avoidedUntil[name] != nil { state.avoidedUntil[name] = nil }
        }
    }
}

/// SplitMix64: a small, fast, statistically sound generator (not for secrets: it spreads requests).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
