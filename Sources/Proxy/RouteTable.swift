import Foundation
import Synchronization

/// The routes the proxy follows now, the counters of every release it has routed to, and which
/// releases recently refused connections (they are avoided for a moment).
public final class RouteTable: Sendable {
    private struct State {
        var routes = ProxyRoutes()
        var stats: [String: BackendStats] = [:]
        /// The routes' backends with what a request needs of each, made once per routes update, not
        /// per request.
        var entries: [Entry] = []
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
            for backend in routes.backends where state.stats[backend.name] == nil {
                state.stats[backend.name] = BackendStats()
            }
            state.entries = routes.backends.compactMap { backend in
                guard let stats = state.stats[backend.name] else { return nil }
                return Entry(
                    backend: backend, stats: stats, key: UpstreamPool.key(backend.host, backend.port),
                    setCookie: Self.setCookie(routes.stickyCookie, backend.name))
            }
        }
    }

    public var routes: ProxyRoutes { state.withLock { $0.routes } }

    /// The counters of the release named `name` (kept after it leaves the routes).
    public func stats(_ name: String) -> BackendStats? { state.withLock { $0.stats[name] } }

    /// Every release's counters, by name.
    public var allStats: [String: BackendStats] { state.withLock { $0.stats } }

    /// A backend of the current routes with what a request sent to it needs.
    struct Entry {
        var backend: ProxyBackend
        var stats: BackendStats
        /// The upstream pool's key for the backend.
        var key: String
        /// The `Set-Cookie` value that pins a client to it, when the routes have a sticky cookie (and
        /// both names are safe in a header: nothing from the routes can add a header of its own).
        var setCookie: String?
    }

    /// The release a request goes to, and whether it was chosen by weight (then a sticky cookie is set).
    struct Choice {
        var entry: Entry
        var byWeight: Bool
        var backend: ProxyBackend { entry.backend }
        var stats: BackendStats { entry.stats }
        var key: String { entry.key }
    }

    /// `Set-Cookie: <cookie>=<backend>; …`, or nil when there is no sticky cookie or either name
    /// could not stand in the header as it is.
    static func setCookie(_ cookie: String?, _ backend: String) -> String? {
        guard let cookie, HTTPFields.isSafeValue(cookie), HTTPFields.isSafeValue(backend),
            !cookie.contains(where: { $0 == ";" || $0 == "=" || $0 == " " }),
            !backend.contains(where: { $0 == ";" || $0 == " " })
        else { return nil }
        return "\(cookie)=\(backend); Path=/; HttpOnly; SameSite=Lax"
    }

    /// The sticky cookie's name, when the routes set one.
    var stickyCookie: String? { state.withLock { $0.routes.stickyCookie } }

    /// Picks a release for a request: the `X-Gantry-Canary` override (`always`/`never`), then a sticky
    /// cookie naming a release that still takes traffic, then weighted choice among releases not
    /// avoided (all of them when every one is). `excluding` names a release that just failed this request.
    /// Runs for every request: one lock, no allocation.
    func choose(override: String?, cookie: Substring?, excluding: String? = nil) -> Choice? {
        state.withLock { state -> Choice? in
            let entries = state.entries
            let now = state.avoidedUntil.isEmpty ? nil : ContinuousClock.now
            func available(_ backend: ProxyBackend) -> Bool {
                guard let now, let until = state.avoidedUntil[backend.name] else { return true }
                return until <= now
            }
            if let override {
                let role: ProxyBackend.Role? =
                    HTTPFields.equalsIgnoringCase(override.utf8, "always")
                    ? .canary : HTTPFields.equalsIgnoringCase(override.utf8, "never") ? .stable : nil
                if let role,
                    let pinned = entries.first(where: { $0.backend.role == role && $0.backend.name != excluding })
                {
                    return Choice(entry: pinned, byWeight: false)
                }
            }
            if let cookie,
                let pinned = entries.first(where: {
                    $0.backend.name == cookie && $0.backend.weight > 0 && $0.backend.name != excluding
                }),
                available(pinned.backend)
            {
                return Choice(entry: pinned, byWeight: false)
            }
            // Two passes over the few backends, without building arrays: releases not avoided first,
            // every release when all are avoided.
            for includeAvoided in [false, true] {
                var total = 0
                for entry in entries
                where entry.backend.weight > 0 && entry.backend.name != excluding
                    && (includeAvoided || available(entry.backend))
                {
                    total += entry.backend.weight
                }
                guard total > 0 else { continue }
                var pick = Int(state.random.next() % UInt64(total))
                for entry in entries
                where entry.backend.weight > 0 && entry.backend.name != excluding
                    && (includeAvoided || available(entry.backend))
                {
                    if pick < entry.backend.weight { return Choice(entry: entry, byWeight: true) }
                    pick -= entry.backend.weight
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
