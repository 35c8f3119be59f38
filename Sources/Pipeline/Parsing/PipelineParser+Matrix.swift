import GantryCore
import Yams

extension PipelineParser {
    /// Whether a `matrix:` holds an expression anywhere (then it is computed when the job's needs have
    /// finished, not expanded when the file is read).
    static func isComputed(_ node: Node) -> Bool {
        switch node {
        case .scalar(let scalar): Template.containsExpression(scalar.string)
        case .sequence(let items): items.contains(where: isComputed)
        case .mapping(let pairs): pairs.contains { isComputed($0.value) }
        case .alias: false
        }
    }

    /// A matrix with expressions: its shape is checked as far as it is written, each expression is
    /// checked against the contexts a matrix may read, and the rest waits for the run.
    mutating func parseComputedMatrix(_ node: Node, job: String) -> ComputedMatrix? {
        let context = "job '\(job)' matrix"
        let scope = ReferenceScope(field: .matrix, job: job)
        func isExpression(_ node: Node) -> Bool { node.scalar.map { Template.containsExpression($0.string) } ?? false }
        func template(_ node: Node) -> JSONValue {
            switch node {
            case .scalar(let scalar):
                expectTemplate(scalar.string, node: node, scope: scope)
                return workflowBoolean(scalar).map(JSONValue.bool) ?? .string(scalar.string)
            case .sequence(let items): return .array(items.map(template))
            case .mapping(let pairs): return .object(pairs.map { ($0.key.string ?? "", template($0.value)) })
            case .alias: return .null
            }
        }
        switch node {
        case .scalar: break
        case .mapping(let pairs):
            for (keyNode, value) in pairs {
                guard let key = keyNode.string else { continue }
                let list = key == "include" || key == "exclude" ? "a list of mappings" : "a list of values"
                if value.sequence == nil, !isExpression(value) {
                    error(value, "\(context).\(key) must be \(list) or an expression, found \(value.kindName)")
                }
            }
        default:
            error(node, "\(context) must be a mapping or an expression, found \(node.kindName)")
            return nil
        }
        return ComputedMatrix(template: template(node), location: document.location(node))
    }

    mutating func parseMatrix(_ node: Node, job: String) -> MatrixDefinition? {
        let context = "job '\(job)' matrix"
        var matrix = MatrixDefinition(axes: [], location: document.location(node))
        let pairs = mapping(node, allowed: nil, context: context)
        guard case .mapping = node else { return nil }
        for (key, keyNode, value) in pairs {
            switch key {
            case "include": matrix.include = combinationList(value, context: "\(context).include")
            case "exclude": matrix.exclude = combinationList(value, context: "\(context).exclude")
            default:
                guard case .sequence(let sequence) = value else {
                    error(value, "\(context).\(key) must be a list of values, found \(value.kindName)")
                    continue
                }
                if sequence.isEmpty {
                    error(keyNode, "\(context).\(key) is an empty list: the matrix would have no jobs")
                }
                var values: [String] = []
                for item in sequence {
                    guard case .scalar(let scalar) = item else {
                        // A workflow's matrix values may be mappings and lists.
                        if format == .github, item.mapping != nil || item.sequence != nil {
                            values.append(MatrixValue.encode(item))
                            continue
                        }
                        error(
                            item,
                            "\(context).\(key) values must be strings, numbers or booleans, found \(item.kindName)")
                        continue
                    }
                    values.append(matrixText(scalar))
                }
                matrix.axes.append((key, values))
            }
        }
        for (index, entry) in matrix.exclude.enumerated() {
            for (key, _) in entry where !matrix.axes.contains(where: { $0.name == key }) {
                error(
                    node,
                    "\(context).exclude entry \(index + 1) names '\(key)', which is not a matrix axis\(Suggestion.hint(for: key, in: matrix.axes.map(\.name)))"
                )
            }
        }
        switch MatrixExpander.sizeProblem(of: matrix) {
        case .empty?: error(node, "\(context) is empty: give at least one axis (a list of values) or an include entry")
        case .overLimit?:
            error(node, "\(context) has more than \(MatrixExpander.maximumJobs) combinations\(tooMany(matrix))")
        case .allExcluded?: error(node, "\(context) is empty after 'exclude': every combination was excluded")
        case .tooMany(let count)?: error(node, "\(context) has \(count) combinations\(tooMany(matrix))")
        case nil: break
        }
        return matrix
    }

    private func tooMany(_ matrix: MatrixDefinition) -> String {
        let axes = matrix.axes.map { "\($0.name) (\($0.values.count))" }.joined(separator: " × ")
        return "; the limit is \(MatrixExpander.maximumJobs) jobs per matrix"
            + (axes.isEmpty ? "" : " (axes: \(axes))") + ": split the job or use fewer values"
    }

    /// A scalar as a matrix holds it. In a workflow an unquoted `true`/`false` stays a boolean, as on
    /// GitHub (`matrix.experimental == true` holds; it still reads `true` in names and scripts); a
    /// `gantry.yml` matrix holds text (`matrix.coverage == 'true'`).
    private func matrixText(_ scalar: Node.Scalar) -> String {
        workflowBoolean(scalar).map { MatrixValue.encode(json: .bool($0)) } ?? scalar.string
    }

    /// A workflow's unquoted `true` or `false`; nil for anything else, and in a `gantry.yml`.
    private func workflowBoolean(_ scalar: Node.Scalar) -> Bool? {
        guard format == .github, scalar.style == .plain else { return nil }
        switch scalar.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    private mutating func combinationList(_ node: Node, context: String) -> [[(String, String)]] {
        guard case .sequence(let sequence) = node else {
            error(node, "\(context) must be a list of mappings, found \(node.kindName)")
            return []
        }
        var result: [[(String, String)]] = []
        for item in sequence {
            var entry: [(String, String)] = []
            for (key, _, value) in mapping(item, allowed: nil, context: context) {
                guard case .scalar(let scalar) = value else {
                    if format == .github, value.mapping != nil || value.sequence != nil {
                        entry.append((key, MatrixValue.encode(value)))
                        continue
                    }
                    error(value, "\(context).\(key) must be a string, number or boolean, found \(value.kindName)")
                    continue
                }
                entry.append((key, matrixText(scalar)))
            }
            result.append(entry)
        }
        return result
    }
}
