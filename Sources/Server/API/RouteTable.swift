import Synchronization

/// The routes the router serves (path pattern → methods), filled once the routes are registered, so
/// that a known path asked with another method gets 405 and an `Allow` header instead of 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], methods: Set<String>)]>([])

    /// Records the served routes (`/api/v1/runs/{id}` and its methods).
    func set(_ entries: [(path: String, method: String)]) {
        var byPath: [String: Set<String>] = [:]
        for entry in entries { byPath[entry.path, default: []].insert(entry.method) }
        let table = byPath.map { (segments: $0.key.split(separator: "/"), methods: $0.value) }
        routes.withLock { $0 = table }
    }

    /// The methods served on `path`, empty when no route matches it.
    func methods(for path: String) -> Set<String> {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            var methods = Set<String>()
            for route in routes where route.segments.count == segments.count {
                let matches = zip(route.segments, segments).allSatisfy { pattern, segment in
                    (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
                }
                if matches { methods.formUnion(route.methods) }
            }
            return methods
        }
    }
}
