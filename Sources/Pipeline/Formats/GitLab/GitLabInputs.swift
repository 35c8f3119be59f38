import GantryCore
import Yams

/// A GitLab CI file's inputs: the `spec: inputs:` header declares them (with `default`, `options`,
/// `regex`), an `include:` entry's `inputs:` gives them, and `$[[ inputs.name ]]` in the file's keys
/// and values is replaced by them before the file is merged. A value that is only an interpolation
/// takes the input's value as it is (a list or a mapping too); `| truncate(offset, length)` and
/// `| posix_escape` apply to strings, `| expand_vars` leaves variables for later expansion.
struct GitLabInputs {
    /// A problem, said in the words of the file that declared or gave the inputs.
    struct Problem: Error {
        let message: String
    }

    /// Input name → value.
    private(set) var values: [String: Node] = [:]

    /// The inputs of a file whose header is `header` (nil: no header), given `given` by its includer.
    init(header: String?, given: Node?) throws(Problem) {
        var declared: [(String, Node)] = []
        if let header {
            let root: Node?
            do {
                root = try BoundedYAML.compose(header)
            } catch {
                throw Problem(message: "the spec: header cannot be read: \(error)")
            }
            if case .mapping(let inputs)? = root?["spec"]?["inputs"] {
                declared = inputs.compactMap { pair in pair.key.string.map { ($0, pair.value) } }
            }
        }
        var given =
            given?.mapping.map { Dictionary($0.compactMap { p in p.key.string.map { ($0, p.value) } }) { a, _ in a } }
            ?? [:]
        for (name, spec) in declared {
            let value: Node
            if let provided = given.removeValue(forKey: name) {
                value = provided
            } else if let fallback = spec["default"] {
                value = fallback
            } else {
                throw Problem(message: "the input '\(name)' is required and was not given (inputs: {\(name): …})")
            }
            if let options = spec["options"]?.sequence?.compactMap(\.string), let text = value.string,
                !options.contains(text)
            {
                throw Problem(
                    message:
                        "the input '\(name)' is '\(text)', which is not one of its options (\(options.joined(separator: ", ")))"
                )
            }
            if let pattern = spec["regex"]?.string, let text = value.string {
                let regex: LinearRegex
                do {
                    regex = try GitLabExpression.regex(fromVariable: pattern)
                } catch {
                    throw Problem(message: "the input '\(name)' has an invalid regex: \(error)")
                }
                if !regex.matches(text) {
                    throw Problem(message: "the input '\(name)' is '\(text)', which does not match \(pattern)")
                }
            }
            values[name] = value
        }
        if let extra = given.keys.sorted().first {
            throw Problem(
                message:
                    "the input '\(extra)' is not declared in the file's spec: inputs\(Suggestion.hint(for: extra, in: declared.map(\.0)))"
            )
        }
    }

    /// `node` with every `$[[ inputs.… ]]` replaced.
    func interpolate(_ node: Node) throws(Problem) -> Node {
        switch node {
        case .scalar(let scalar):
            guard scalar.string.contains("$[[") else { return node }
            return try interpolate(scalar)
        case .mapping(let mapping):
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping { pairs.append((try interpolate(key), try interpolate(value))) }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            var items: [Node] = []
            for item in sequence { items.append(try interpolate(item)) }
            return .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        case .alias: return node
        }
    }

    private func interpolate(_ scalar: Node.Scalar) throws(Problem) -> Node {
        let trimmed = scalar.string.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("$[["), trimmed.hasSuffix("]]"), trimmed.components(separatedBy: "$[[").count == 2 {
            // Only an interpolation: the input's own value, a list or a mapping included.
            let (value, text) = try evaluate(String(trimmed.dropFirst(3).dropLast(2)))
            if let value { return NodeBuilder.remark(value, at: .scalar(scalar)) }
            return .scalar(Node.Scalar(text, scalar.tag, scalar.style, scalar.mark))
        }
        var rest = Substring(scalar.string)
        var out = ""
        while let open = rest.range(of: "$[[") {
            guard let close = rest[open.upperBound...].range(of: "]]") else {
                throw Problem(message: "'$[[' is not closed with ']]' in '\(scalar.string)'")
            }
            out += rest[..<open.lowerBound]
            out += try evaluate(String(rest[open.upperBound..<close.lowerBound])).1
            rest = rest[close.upperBound...]
        }
        out += rest
        return .scalar(Node.Scalar(out, scalar.tag, scalar.style, scalar.mark))
    }

    /// One `inputs.name | function…` expression: its value, and that value as text.
    private func evaluate(_ body: String) throws(Problem) -> (Node?, String) {
        let parts = body.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let reference = parts.first, reference.hasPrefix("inputs.") else {
            throw Problem(message: "unknown interpolation '$[[\(body)]]' (expected $[[ inputs.name ]])")
        }
        let name = String(reference.dropFirst("inputs.".count))
        guard let value = values[name] else {
            throw Problem(
                message:
                    "the input '\(name)' is not declared in the file's spec: inputs\(Suggestion.hint(for: name, in: Array(values.keys).sorted()))"
            )
        }
        var text = value.string ?? Self.flowText(value)
        for function in parts.dropFirst() {
            if function == "expand_vars" { continue }
            if function == "posix_escape" {
                text = String(text.flatMap { $0.isLetter || $0.isNumber || "_-./".contains($0) ? [$0] : ["\\", $0] })
            } else if function.hasPrefix("truncate("), function.hasSuffix(")") {
                let arguments = function.dropFirst("truncate(".count).dropLast().split(separator: ",")
                    .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard arguments.count == 2, arguments[0] >= 0, arguments[1] >= 0 else {
                    throw Problem(message: "truncate needs an offset and a length: truncate(0, 8)")
                }
                text = String(text.dropFirst(arguments[0]).prefix(arguments[1]))
            } else {
                throw Problem(
                    message: "unknown interpolation function '\(function)' (expand_vars, truncate, posix_escape)")
            }
        }
        return (parts.count == 1 ? value : nil, text)
    }

    /// A list or mapping as GitLab writes it into a string (JSON-like flow style).
    private static func flowText(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let items): return "[" + items.map(flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\($0.key.string ?? ""): \(flowText($0.value))" }.joined(separator: ", ") + "}"
        case .alias: return ""
        }
    }
}
