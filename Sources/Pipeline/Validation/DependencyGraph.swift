/// The `needs` graph of a pipeline's jobs (before matrix expansion).
public struct DependencyGraph: Sendable {
    /// Job id → ids it needs (only ids that exist).
    public let edges: [String: [String]]
    /// Job ids in file order.
    public let order: [String]

    public init(jobs: [JobDefinition]) {
        let ids = Set(jobs.map(\.id))
        order = jobs.map(\.id)
        edges = Dictionary(jobs.map { ($0.id, $0.needs.filter { ids.contains($0) }) }, uniquingKeysWith: { a, _ in a })
    }

    /// A cycle as a path that starts and ends with the same job (`a -> b -> a`), or nil.
    public func findCycle() -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        func visit(_ id: String) -> [String]? {
            if marks[id] == .done { return nil }
            if marks[id] == .visiting {
                guard let start = stack.firstIndex(of: id) else { return nil }
                return Array(stack[start...]) + [id]
            }
            marks[id] = .visiting
            stack.append(id)
            for next in edges[id] ?? [] where next != id {
                if let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            marks[id] = .done
            return nil
        }
        for id in order {
            if let cycle = visit(id) { return cycle }
        }
        return nil
    }

    /// Jobs grouped by depth: level 0 needs nothing, level n needs something at level n-1.
    public func levels() -> [[String]] {
        var depth: [String: Int] = [:]
        func compute(_ id: String, _ seen: Set<String>) -> Int {
            if let known = depth[id] { return known }
            guard !seen.contains(id) else { return 0 }
            let d = (edges[id] ?? []).map { compute($0, seen.union([id])) + 1 }.max() ?? 0
            depth[id] = d
            return d
        }
        for id in order { _ = compute(id, []) }
        let maxDepth = depth.values.max() ?? -1
        guard maxDepth >= 0 else { return [] }
        return (0...maxDepth).map { level in order.filter { depth[$0] == level } }
    }

    /// `id` and everything it needs, transitively.
    public func closure(of ids: [String]) -> Set<String> {
        var result = Set<String>()
        var queue = ids
        while let next = queue.popLast() {
            guard result.insert(next).inserted else { continue }
            queue += edges[next] ?? []
        }
        return result
    }
}
