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
        // The jobs on the path being followed: an edge back to one of them (a cycle, refused by
        // validation) counts as depth 0 instead of recursing forever.
        var onPath: Set<String> = []
        func compute(_ id: String) -> Int {
            if let known = depth[id] { return known }
            guard onPath.insert(id).inserted else { return 0 }
            let d = (edges[id] ?? []).map { compute($0) + 1 }.max() ?? 0
            onPath.remove(id)
            depth[id] = d
            return d
        }
        var levels: [[String]] = []
        for id in order {
            let level = compute(id)
            while levels.count <= level { levels.append([]) }
            levels[level].append(id)
        }
        return levels
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
