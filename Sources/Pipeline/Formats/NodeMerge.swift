import Yams

/// How GitLab combines configuration, and Gantry a pipeline with its templates: `include`, `extends`
/// and `default` deep-merge mappings (a key of the overriding side replaces the same key, except that
/// two mappings merge key by key) and replace everything else, lists included.
enum NodeMerge {
    /// `override` merged over `base`.
    static func deep(_ base: Node, _ override: Node) -> Node {
        guard case .mapping(let baseMapping) = base, case .mapping(let overrideMapping) = override else {
            return override
        }
        var pairs: [(Node, Node)] = Array(baseMapping)
        var position: [String: Int] = [:]
        for (index, pair) in pairs.enumerated() { if let key = pair.0.string { position[key] = index } }
        for (key, value) in overrideMapping {
            if let name = key.string, let index = position[name] {
                pairs[index] = (key, deep(pairs[index].1, value))
            } else {
                if let name = key.string { position[name] = pairs.count }
                pairs.append((key, value))
            }
        }
        return .mapping(Node.Mapping(pairs, overrideMapping.tag, overrideMapping.style, overrideMapping.mark))
    }

    /// A mapping's pairs without `keys`.
    static func removing(_ keys: Set<String>, from node: Node) -> Node {
        guard case .mapping(let mapping) = node else { return node }
        return .mapping(
            Node.Mapping(
                mapping.filter { !keys.contains($0.key.string ?? "") }, mapping.tag, mapping.style, mapping.mark))
    }

    /// A mapping with `key` set to `value` (replaced where it was, else appended).
    static func setting(_ key: String, _ value: Node, in node: Node, keyAt anchor: Node) -> Node {
        guard case .mapping(let mapping) = node else { return node }
        var pairs = Array(mapping)
        if let index = pairs.firstIndex(where: { $0.0.string == key }) {
            pairs[index].1 = value
        } else {
            pairs.append((.scalar(Node.Scalar(key, .implicit, .plain, anchor.mark)), value))
        }
        return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
    }
}
