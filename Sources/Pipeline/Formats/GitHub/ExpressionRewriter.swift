import Yams

/// Rewrites the context references (`root.name`) in a workflow's `${{ }}` expressions, token by
/// token: string literals are kept as they are, and `inputs.version` is not confused with
/// `inputs.version_file` or `needs.inputs.x`. An importer uses it to inline a local action or a
/// reusable workflow into the calling job (its inputs, secrets and job ids read from the caller).
enum ExpressionRewriter {
    /// The replacement of `root.name` (root lowercased), or nil to keep it.
    typealias Replace = (_ root: String, _ name: String) -> String?

    /// An expression (the inside of `${{ }}`, or a bare `if:`) with its references replaced.
    static func rewrite(expression: String, _ replace: Replace) -> String {
        let characters = Array(expression)
        var out = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "'" {
                let end = literalEnd(characters, from: index)
                out += String(characters[index..<end])
                index = end
                continue
            }
            let startsWord = index == 0 || !(isIdentifier(characters[index - 1]) || characters[index - 1] == ".")
            guard startsWord, character.isLetter || character == "_" else {
                out.append(character)
                index += 1
                continue
            }
            var end = index
            while end < characters.count, isIdentifier(characters[end]) { end += 1 }
            let root = String(characters[index..<end])
            if end < characters.count, characters[end] == "." {
                var nameEnd = end + 1
                while nameEnd < characters.count, isIdentifier(characters[nameEnd]) { nameEnd += 1 }
                let name = String(characters[(end + 1)..<nameEnd])
                if !name.isEmpty, let replacement = replace(root.lowercased(), name) {
                    out += replacement
                    index = nameEnd
                    continue
                }
            }
            out += root
            index = end
        }
        return out
    }

    /// A text with `${{ }}` parts, each rewritten.
    static func rewrite(template: String, _ replace: Replace) -> String {
        segments(of: template).map { segment in
            switch segment {
            case .literal(let text): text
            case .expression(let text): "${{" + rewrite(expression: text, replace) + "}}"
            }
        }.joined()
    }

    /// One part of a template.
    enum Segment: Equatable {
        case literal(String)
        /// The text between `${{` and `}}`.
        case expression(String)
    }

    /// A template's literal text and expressions, in order (a `}}` inside a string literal does not
    /// end an expression; an unterminated `${{` is literal text, for the parser to report).
    static func segments(of template: String) -> [Segment] {
        let characters = Array(template)
        var segments: [Segment] = []
        var literal = ""
        var index = 0
        while index < characters.count {
            guard index + 2 < characters.count, characters[index] == "$", characters[index + 1] == "{",
                characters[index + 2] == "{"
            else {
                literal.append(characters[index])
                index += 1
                continue
            }
            var end = index + 3
            var closed = false
            while end < characters.count {
                if characters[end] == "'" {
                    end = literalEnd(characters, from: end)
                    continue
                }
                if characters[end] == "}", end + 1 < characters.count, characters[end + 1] == "}" {
                    closed = true
                    break
                }
                end += 1
            }
            guard closed else {
                literal += String(characters[index...])
                break
            }
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            segments.append(.expression(String(characters[(index + 3)..<end])))
            index = end + 2
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }

    /// A template as one expression: `'text'` for literal text, `(expression)` for a single
    /// `${{ }}`, `format('…{0}…', …)` for a mix.
    static func expression(fromTemplate template: String) -> String {
        let parts = segments(of: template)
        if parts.isEmpty { return "''" }
        if parts.count == 1, case .expression(let text) = parts[0] {
            return "(\(text.trimmingCharacters(in: .whitespaces)))"
        }
        var format = ""
        var arguments: [String] = []
        for part in parts {
            switch part {
            case .literal(let text):
                format += text.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
            case .expression(let text):
                format += "{\(arguments.count)}"
                arguments.append(text.trimmingCharacters(in: .whitespaces))
            }
        }
        guard !arguments.isEmpty else { return quoted(format) }
        return "format(\(([quoted(format)] + arguments).joined(separator: ", ")))"
    }

    /// `text` as an expression string literal.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A condition (`if:`), with or without `${{ }}`, as a bare expression.
    static func condition(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = segments(of: trimmed)
        if parts.count == 1, case .expression(let inner) = parts[0] { return inner }
        return trimmed.contains("${{") ? expression(fromTemplate: trimmed) : trimmed
    }

    /// Every expression in `node` rewritten: scalars with `${{ }}`, and the value of an `if:` key
    /// (an expression without them too). With `ids`, `id:` values are renamed as well.
    static func rewrite(node: Node, ids: [String: String] = [:], _ replace: Replace) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.string.contains("${{") else { return node }
            scalar.string = rewrite(template: scalar.string, replace)
            return .scalar(scalar)
        case .mapping(let mapping):
            return .mapping(
                Node.Mapping(
                    mapping.map { pair -> (Node, Node) in
                        guard case .scalar(var scalar) = pair.value else {
                            return (pair.key, rewrite(node: pair.value, ids: ids, replace))
                        }
                        switch pair.key.string {
                        case "id":
                            if let renamed = ids[scalar.string] { scalar.string = renamed }
                        case "if" where !scalar.string.contains("${{"):
                            scalar.string = rewrite(expression: scalar.string, replace)
                        default:
                            return (pair.key, rewrite(node: pair.value, ids: ids, replace))
                        }
                        return (pair.key, .scalar(scalar))
                    }, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(
                Node.Sequence(
                    sequence.map { rewrite(node: $0, ids: ids, replace) }, sequence.tag, sequence.style, sequence.mark))
        case .alias: return node
        }
    }

    private static func isIdentifier(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "-"
    }

    /// The index just past the string literal that starts at `start` (`''` is an escaped quote).
    private static func literalEnd(_ characters: [Character], from start: Int) -> Int {
        var index = start + 1
        while index < characters.count {
            if characters[index] == "'" {
                if index + 1 < characters.count, characters[index + 1] == "'" {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return characters.count
    }
}
