public import GantryCore

/// Evaluates a `ComputedMatrix` once the jobs it reads from have finished, into the matrix the job
/// expands to. The values come from other jobs' outputs (and so from scripts a pull request may
/// change): the result is bounded as a written matrix is (`MatrixExpander.maximumJobs`), and in size.
public enum MatrixEvaluator {
    /// Why a computed matrix cannot be expanded; the message names the job and what to fix.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The most bytes a computed matrix may take as JSON.
    public static let maximumBytes = 1 << 20

    /// The concrete matrix of `job`, its expressions evaluated in `context`.
    public static func evaluate(
        _ matrix: ComputedMatrix, job: String, in context: ExpressionContext
    ) throws(Failure) -> MatrixDefinition {
        let what = "the matrix of job '\(job)' (\(matrix.location))"
        let value: Item
        do {
            value = try Item.evaluate(matrix.template, in: context)
        } catch {
            throw Failure("\(what) cannot be evaluated: \(error)")
        }
        guard value.size <= maximumBytes else {
            throw Failure("\(what) is larger than \(maximumBytes / 1024) KiB: give fewer or shorter values")
        }
        guard case .object(let members) = value else {
            throw Failure(
                "\(what) is \(value.kind), not an object of axes (lists of values), 'include' and 'exclude'")
        }
        var definition = MatrixDefinition(axes: [], location: matrix.location)
        for (key, item) in members {
            switch key {
            case "include": definition.include = try combinations(item, "\(what): 'include'")
            case "exclude": definition.exclude = try combinations(item, "\(what): 'exclude'")
            default:
                guard case .list(let values) = item else {
                    throw Failure("\(what): axis '\(key)' is \(item.kind), not a list of values")
                }
                // GitHub's words for it.
                guard !values.isEmpty else {
                    throw Failure("\(what): matrix vector '\(key)' does not contain any values")
                }
                definition.axes.append((key, values.map(\.matrixString)))
            }
        }
        for (index, entry) in definition.exclude.enumerated() {
            for (key, _) in entry where !definition.axes.contains(where: { $0.name == key }) {
                throw Failure("\(what): exclude entry \(index + 1) names '\(key)', which is not a matrix axis")
            }
        }
        let limit = "the limit is \(MatrixExpander.maximumJobs) jobs per matrix"
        switch MatrixExpander.sizeProblem(of: definition) {
        case .empty?: throw Failure("\(what) is empty: it has no axis and no include entry")
        case .overLimit?: throw Failure("\(what) has more than \(MatrixExpander.maximumJobs) combinations; \(limit)")
        case .allExcluded?: throw Failure("\(what) is empty after 'exclude': every combination was excluded")
        case .tooMany(let count)?: throw Failure("\(what) has \(count) combinations; \(limit)")
        case nil: return definition
        }
    }

    private static func combinations(_ item: Item, _ what: String) throws(Failure) -> [[(String, String)]] {
        guard case .list(let entries) = item else { throw Failure("\(what) is \(item.kind), not a list of objects") }
        var result: [[(String, String)]] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let members) = entry else {
                throw Failure("\(what) entry \(index + 1) is \(entry.kind), not an object")
            }
            result.append(members.map { ($0.0, $0.1.matrixString) })
        }
        return result
    }

    /// A value with its members in a fixed order: as written for the file's own mappings, sorted by
    /// name for objects an expression produced (so the job names are the same on every run).
    private indirect enum Item {
        case scalar(ExpressionValue)
        case list([Item])
        case object([(String, Item)])

        init(_ value: ExpressionValue) {
            switch value {
            case .array(let items): self = .list(items.map(Item.init))
            case .object(let members):
                self = .object(members.sorted { $0.key < $1.key }.map { ($0.key, Item($0.value)) })
            default: self = .scalar(value)
            }
        }

        static func evaluate(_ template: JSONValue, in context: ExpressionContext) throws -> Item {
            switch template {
            case .null: return .scalar(.null)
            case .bool(let value): return .scalar(.bool(value))
            case .number(let text): return .scalar(.string(text))
            case .string(let text):
                guard Template.containsExpression(text) else { return .scalar(.string(text)) }
                // One expression and nothing else takes its value, a list or an object included.
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                let parsed = try Template.parse(trimmed)
                if parsed.count == 1, trimmed.hasPrefix("${{"), trimmed.hasSuffix("}}"),
                    parsed[0].0.text.count + 5 == trimmed.count
                {
                    return Item(try ExpressionEvaluator.evaluate(parsed[0].1, in: context))
                }
                return .scalar(.string(try Template.render(text, in: context)))
            case .array(let items): return .list(try items.map { try evaluate($0, in: context) })
            case .object(let members): return .object(try members.map { ($0.0, try evaluate($0.1, in: context)) })
            }
        }

        /// The value as a matrix holds it: text for a scalar, encoded JSON for a list or an object.
        var matrixString: String {
            switch self {
            // A boolean stays one (`matrix.experimental == true`), as a workflow's written one does.
            case .scalar(.bool(let value)): MatrixValue.encode(json: .bool(value))
            case .scalar(let value): value.stringValue
            case .list, .object: MatrixValue.encode(json: expressionValue)
            }
        }

        var expressionValue: ExpressionValue {
            switch self {
            case .scalar(let value): value
            case .list(let items): .array(items.map(\.expressionValue))
            case .object(let members):
                .object(Dictionary(members.map { ($0.0, $0.1.expressionValue) }, uniquingKeysWith: { $1 }))
            }
        }

        /// About how many bytes it takes as JSON.
        var size: Int {
            switch self {
            case .scalar(let value): value.stringValue.utf8.count + 2
            case .list(let items): items.reduce(2) { $0 + $1.size + 1 }
            case .object(let members): members.reduce(2) { $0 + $1.0.utf8.count + 4 + $1.1.size }
            }
        }

        /// What it is, for errors (not its value: an output may be anything).
        var kind: String {
            switch self {
            case .scalar(.null): "null"
            case .scalar(.string): "a string"
            case .scalar(.bool): "a boolean"
            case .scalar: "a number"
            case .list: "a list"
            case .object: "an object"
            }
        }
    }
}
