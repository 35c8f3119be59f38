import GantryCore
import Yams

/// The ways a GitLab CI file reuses configuration, resolved in GitLab's order once the includes are
/// merged: YAML merge keys (`<<: *defaults`), `!reference [.job, key…]` tags, then `extends:`.
struct GitLabReferences {
    /// `!reference` tags may lead to further ones at most this deep (GitLab: 10).
    static let maximumReferenceDepth = 10
    /// `extends:` chains at most this deep (GitLab: 11).
    static let maximumExtendsDepth = 11

    let document: YAMLDocument
    private(set) var diagnostics: [Diagnostic] = []
    /// Whether some include could not be read (then an unknown `extends` or `!reference` target may
    /// be defined there, and is reported as such).
    let missingIncludes: Bool
    /// Jobs that point (through `extends` or `!reference`) at something an unreadable include may
    /// define: name → why; they cannot run here.
    private(set) var unresolved: [String: String] = [:]
    /// The top-level entry being resolved.
    private var owner = ""

    init(document: YAMLDocument, missingIncludes: Bool) {
        self.document = document
        self.missingIncludes = missingIncludes
    }

    // MARK: Merge keys

    /// `node` with every `<<: *anchor` (or `<<: [*a, *b]`) merged into its mapping: the mapping's own
    /// keys win, then the merged mappings in order.
    static func expandMergeKeys(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            var own: [(Node, Node)] = []
            var merged: [(Node, Node)] = []
            for (key, value) in mapping {
                if key.string == "<<", key.scalar?.style == .plain {
                    let sources = value.sequence.map(Array.init) ?? [value]
                    for source in sources {
                        guard case .mapping(let pairs) = expandMergeKeys(source) else { continue }
                        merged += pairs.map { ($0.key, $0.value) }
                    }
                } else {
                    own.append((key, expandMergeKeys(value)))
                }
            }
            guard !merged.isEmpty else {
                return .mapping(Node.Mapping(own, mapping.tag, mapping.style, mapping.mark))
            }
            var seen = Set(own.compactMap { $0.0.string })
            var pairs = own
            for (key, value) in merged where !seen.contains(key.string ?? "") {
                seen.insert(key.string ?? "")
                pairs.append((key, value))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(expandMergeKeys), sequence.tag, sequence.style, sequence.mark))
        default:
            return node
        }
    }

    // MARK: !reference

    static func isReference(_ node: Node) -> Bool {
        if case .sequence(let sequence) = node { return sequence.tag.rawValue == "!reference" }
        return false
    }

    /// `node` (anywhere under `root`) with its `!reference` tags replaced by what they point at; a
    /// reference inside a list that points at a list adds its items there.
    mutating func resolvingReferences(in entry: String, _ node: Node, root: Node) -> Node {
        owner = entry
        return resolvingReferences(node, root: root, depth: 0)
    }

    private mutating func resolvingReferences(_ node: Node, root: Node, depth: Int) -> Node {
        switch node {
        case .sequence(let sequence):
            if Self.isReference(node) { return reference(node, root: root, depth: depth) ?? node }
            var items: [Node] = []
            for item in sequence {
                if Self.isReference(item), let target = reference(item, root: root, depth: depth) {
                    if case .sequence(let inner) = target { items += inner } else { items.append(target) }
                } else {
                    items.append(resolvingReferences(item, root: root, depth: depth))
                }
            }
            return .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        case .mapping(let mapping):
            return .mapping(
                Node.Mapping(
                    mapping.map { ($0.key, resolvingReferences($0.value, root: root, depth: depth)) }, mapping.tag,
                    mapping.style, mapping.mark))
        default:
            return node
        }
    }

    private mutating func reference(_ node: Node, root: Node, depth: Int) -> Node? {
        guard depth < Self.maximumReferenceDepth else {
            error(node, "!reference tags lead to further ones more than \(Self.maximumReferenceDepth) deep")
            return nil
        }
        let path = (node.sequence ?? []).map { $0.string }
        guard !path.isEmpty, let keys = path as? [String] else {
            error(node, "!reference needs a list of keys, such as !reference [.setup, script]")
            return nil
        }
        var target: Node? = root
        for key in keys { target = target?[key] }
        guard let target else {
            let what = "!reference [\(keys.joined(separator: ", "))] points at nothing"
            if missingIncludes {
                unresolved[owner] = "\(what) here: it may come from an include that cannot be fetched"
            } else {
                error(node, what)
            }
            return nil
        }
        return resolvingReferences(target, root: root, depth: depth + 1)
    }

    // MARK: extends

    /// Every job and template with its `extends:` merged in: the bases deep-merged in order, then the
    /// job over them. `entries` is the top level (name → definition).
    mutating func resolvingExtends(_ entries: [(String, Node, Node)]) -> [String: Node] {
        let definitions = Dictionary(entries.map { ($0.0, $0.2) }, uniquingKeysWith: { $1 })
        var resolved: [String: Node] = [:]
        for (name, _, _) in entries {
            var chain: [String] = []
            _ = resolve(name, definitions: definitions, resolved: &resolved, chain: &chain)
        }
        return resolved
    }

    private mutating func resolve(
        _ name: String, definitions: [String: Node], resolved: inout [String: Node], chain: inout [String]
    ) -> Node? {
        if let done = resolved[name] { return done }
        guard let definition = definitions[name] else { return nil }
        guard let extends = definition["extends"] else {
            resolved[name] = definition
            return definition
        }
        if chain.contains(name) {
            error(extends, "extends forms a cycle: \((chain + [name]).joined(separator: " → "))")
            resolved[name] = NodeMerge.removing(["extends"], from: definition)
            return resolved[name]
        }
        guard chain.count < Self.maximumExtendsDepth else {
            error(extends, "extends is nested more than \(Self.maximumExtendsDepth) deep")
            return nil
        }
        chain.append(name)
        defer { chain.removeLast() }
        var merged: Node = .mapping(Node.Mapping([], .implicit, .block, definition.mark))
        for baseNode in extends.sequence.map(Array.init) ?? [extends] {
            guard let base = baseNode.string else {
                error(baseNode, "extends must name a job or template, or list them")
                continue
            }
            guard let resolvedBase = resolve(base, definitions: definitions, resolved: &resolved, chain: &chain) else {
                if definitions[base] == nil {
                    let names = Array(definitions.keys).sorted()
                    if missingIncludes {
                        unresolved[name] = "it extends '\(base)', which may come from an include that cannot be fetched"
                    } else {
                        error(
                            baseNode, "extends '\(base)', which is not defined\(Suggestion.hint(for: base, in: names))")
                    }
                }
                continue
            }
            if let why = unresolved[base] { unresolved[name] = why }
            merged = NodeMerge.deep(merged, NodeMerge.removing(["extends"], from: resolvedBase))
        }
        let result = NodeMerge.deep(merged, NodeMerge.removing(["extends"], from: definition))
        resolved[name] = result
        return result
    }

    private mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(document.location(node), .error, message))
    }
}
