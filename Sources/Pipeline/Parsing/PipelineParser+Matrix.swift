import GantryCore
import Yams

extension PipelineParser {
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
                    values.append(scalar.string)
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
        // The product is bounded before anything is expanded; `exclude` may bring a larger product under
        // the job limit, so the product may be up to 16 times the limit, then the expansion is counted.
        let productLimit = MatrixExpander.maximumJobs * 16
        if matrix.axes.isEmpty && matrix.include.isEmpty {
            error(node, "\(context) is empty: give at least one axis (a list of values) or an include entry")
        } else if MatrixExpander.productSize(of: matrix, limit: productLimit) == nil
            || matrix.include.count > MatrixExpander.maximumJobs
        {
            error(node, "\(context) has more than \(MatrixExpander.maximumJobs) combinations\(tooMany(matrix))")
        } else if !matrix.axes.contains(where: { $0.values.isEmpty }) {
            let count = MatrixExpander.combinations(of: matrix).count
            if count == 0 {
                error(node, "\(context) is empty after 'exclude': every combination was excluded")
            } else if count > MatrixExpander.maximumJobs {
                error(node, "\(context) has \(count) combinations\(tooMany(matrix))")
            }
        }
        return matrix
    }

    private func tooMany(_ matrix: MatrixDefinition) -> String {
        let axes = matrix.axes.map { "\($0.name) (\($0.values.count))" }.joined(separator: " × ")
        return "; the limit is \(MatrixExpander.maximumJobs) jobs per matrix"
            + (axes.isEmpty ? "" : " (axes: \(axes))") + ": split the job or use fewer values"
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
                entry.append((key, scalar.string))
            }
            result.append(entry)
        }
        return result
    }
}
