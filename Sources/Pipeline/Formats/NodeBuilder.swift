import Yams

/// Nodes an importer writes into the `gantry.yml` shape it produces, each placed at the mark of a node
/// of the original file so that diagnostics point there.
enum NodeBuilder {
    static func key(_ text: String, at node: Node) -> Node {
        .scalar(Node.Scalar(text, .implicit, .plain, node.mark))
    }

    static func scalar(_ text: String, at node: Node) -> Node {
        .scalar(Node.Scalar(text, .implicit, .doubleQuoted, node.mark))
    }

    static func mapping(_ pairs: [(Node, Node)], at node: Node) -> Node {
        .mapping(Node.Mapping(pairs, .implicit, .block, node.mark))
    }

    static func sequence(_ nodes: [Node], at node: Node) -> Node {
        .sequence(Node.Sequence(nodes, .implicit, .block, node.mark))
    }

    /// `text` in single quotes for a POSIX shell.
    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `node` with every mark moved to `anchor`'s (diagnostics then point at the workflow's line).
    static func remark(_ node: Node, at anchor: Node) -> Node {
        let mark = anchor.mark
        switch node {
        case .scalar(let scalar): return .scalar(Node.Scalar(scalar.string, scalar.tag, scalar.style, mark))
        case .mapping(let mapping):
            return .mapping(
                Node.Mapping(
                    mapping.map { (remark($0.key, at: anchor), remark($0.value, at: anchor)) }, mapping.tag,
                    mapping.style, mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map { remark($0, at: anchor) }, sequence.tag, sequence.style, mark))
        case .alias: return node
        }
    }
}
