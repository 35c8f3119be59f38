public import Yams

/// Composes YAML from untrusted sources with a bound on how large the document becomes once its
/// aliases are expanded.
///
/// Yams shares an anchored node between its aliases, so composing "a billion laughs" is cheap; every
/// walk of the tree afterwards (validation, conversion, diagnostics) visits the expanded form, and
/// a 1 KB file of nested aliases expands to billions of nodes. `compose` measures the expanded size
/// in time linear in the document (anchored nodes are measured once) and refuses documents past
/// `maximumNodes` before anyone walks them.
public enum BoundedYAML {
    /// The most nodes a document may have once aliases are expanded. Large real pipelines (a
    /// GitLab CI file of a few hundred jobs built from anchors) stay under a tenth of it.
    public static let maximumNodes = 250_000

    /// A document that would expand past the budget.
    public struct TooLarge: Error, Sendable {
        /// 1-based line and column of the collection whose aliases push the document past the budget.
        public let line: Int
        public let column: Int
        /// The budget that was exceeded.
        public let limit: Int

        /// The problem without a position, for callers that prefix `file:line:col`.
        public var message: String {
            "this YAML expands to more than \(limit) nodes through its aliases (an alias bomb?); "
                + "write the values out or use fewer nested aliases"
        }
    }

    /// Composes `text` (Yams' syntax errors are rethrown as they are) and checks its expanded size.
    /// - Throws: `YamlError` for syntax errors, `TooLarge` when the expanded tree exceeds `limit` nodes.
    public static func compose(_ text: String, limit: Int = maximumNodes) throws -> Node? {
        // Plain scalars stay strings (`.basic`): callers read them as text, and resolving every scalar
        // against the default tag regexes (also while checking for duplicate keys) cost more than the
        // rest of composing.
        guard let root = try Yams.compose(yaml: text, .basic) else { return nil }
        var sizer = ExpandedSize(limit: limit)
        if sizer.size(of: root) > limit, let culprit = sizer.culprit {
            throw TooLarge(line: culprit.line, column: culprit.column, limit: limit)
        }
        return root
    }

    /// Composes every document of a multi-document stream (`---` separated), bounding the expanded
    /// size of all of them together. Empty documents are returned as they are (null scalars).
    /// - Throws: `YamlError` for syntax errors, `TooLarge` when the documents together exceed `limit` nodes.
    public static func composeAll(_ text: String, limit: Int = maximumNodes) throws -> [Node] {
        var documents = try Yams.compose_all(yaml: text, .basic)
        var roots: [Node] = []
        var remaining = limit
        while let root = documents.next() {
            var sizer = ExpandedSize(limit: remaining)
            let size = sizer.size(of: root)
            if size > remaining {
                let mark = sizer.culprit ?? root.mark
                throw TooLarge(line: mark?.line ?? 1, column: mark?.column ?? 1, limit: limit)
            }
            remaining -= size
            roots.append(root)
        }
        if let error = documents.error { throw error }
        return roots
    }
}

/// Expanded node counts, saturating just past the limit, memoized for anchored nodes (which are the
/// only nodes aliases can repeat).
private struct ExpandedSize {
    let limit: Int
    /// Sizes of anchored nodes by anchor name and the position of their definition (an anchor name
    /// may be redefined later in the document).
    var anchored: [String: Int] = [:]
    /// The innermost collection whose own children took the count past the limit.
    var culprit: Mark?

    init(limit: Int) { self.limit = limit }

    mutating func size(of node: Node) -> Int {
        let key = node.anchor.map { anchor in "\(anchor.rawValue)@\(node.mark?.line ?? 0):\(node.mark?.column ?? 0)" }
        if let key, let known = anchored[key] { return known }
        var total = 1
        switch node {
        case .scalar, .alias: break
        case .mapping(let mapping):
            for (key, value) in mapping {
                total = add(total, size(of: key), at: node)
                total = add(total, size(of: value), at: node)
                if total > limit { break }
            }
        case .sequence(let sequence):
            for item in sequence {
                total = add(total, size(of: item), at: node)
                if total > limit { break }
            }
        }
        if let key { anchored[key] = total }
        return total
    }

    private mutating func add(_ total: Int, _ child: Int, at node: Node) -> Int {
        let sum = min(total + child, limit + 1)
        if sum > limit, culprit == nil { culprit = node.mark }
        return sum
    }
}
