import Foundation
import Synchronization

/// The routes the proxy follows now, the counters of every release it has routed to, and which
/// releases recently refused connections (they are avoided for a moment).
public final class RouteTable: Sendable {
    private struct State {
        var routes = ProxyRoutes()
        var stats: [String: BackendStats] = [:]
        /// Backend name → until when it is avoided after a failed connection.
        var avoidedUntil: [String: ContinuousClock.Instant] = [:]
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
    }

    /// Picks a release for a request: the `X-Gantry-Canary` override (`always`/`never`), then a sticky
    /// cookie naming a release that still takes traffic, then weighted choice among releases not
    /// avoided (all of them when every one is). `excluding` names a release that just failed this request.
    func choose(override: String?, cookie: String?, excluding: String? = nil) -> Choice? {
        state.withLock { state -> Choice? in
            let now = ContinuousClock.now
            let candidates = state.routes.backends.filter { $0.name != excluding }
            func choice(_ backend: ProxyBackend, byWeight: Bool) -> Choice? {
                state.stats[backend.name].map { Choice(backend: backend, stats: $0, byWeight: byWeight) }
            }
            switch override?.lowercased() {
            case "always":
                if let canary = candidates.first(where: { $0.role == .canary }) {
                    return choice(canary, byWeight: false)
                }
            case "never":
                if let stable = candidates.first(where: { $0.role == .stable }) {
                    return choice(stable, byWeight: false)
                }
            default: break
            }
            func available(_ backend: ProxyBackend) -> Bool {
                state.avoidedUntil[backend.name].map { $0 <= now } ?? true
            }
            if let cookie, let sticky = candidates.first(where: { $0.name == cookie && $0.weight > 0 }),
                available(sticky)
            {
                return choice(sticky, byWeight: false)
            }
            var weighted = candidates.filter { $0.weight > 0 && available($0) }
            if weighted.isEmpty { weighted = candidates.filter { $0.weight > 0 } }
            let total = weighted.reduce(0) { $0 + $1.weight }
            guard total > 0 else { return nil }
            var pick = Int.random(in: 0..<total)
            for backend in weighted {
                if pick < backend.weight { return choice(backend, byWeight: true) }
                pick -= backend.weight
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
