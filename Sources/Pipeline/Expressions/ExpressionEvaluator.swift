import Foundation
import GantryCore

/// Evaluates an `Expression` against an `ExpressionContext`.
public enum ExpressionEvaluator {
    /// Functions the language knows, with their argument count range.
    public static let functions: [String: ClosedRange<Int>] = [
        "success": 0...0, "failure": 0...0, "always": 0...0, "cancelled": 0...0,
        "hashFiles": 1...64, "contains": 2...2, "startsWith": 2...2, "endsWith": 2...2,
        "format": 1...64, "toJSON": 1...1, "fromJSON": 1...1, "join": 1...2,
    ]

    /// Status functions: an `if` that calls one of them replaces the implicit `success()` check.
    public static let statusFunctions: Set<String> = ["success", "failure", "always", "cancelled"]

    public static func evaluate(_ expression: Expression, in context: ExpressionContext) throws(EvaluationError)
        -> ExpressionValue
    {
        switch expression {
        case .literal(let value):
            return value
        case .path(let root, let accessors):
            var value = context.roots[root] ?? .null
            for accessor in accessors {
                switch accessor {
                case .property("*"):
                    switch value {
                    case .object(let fields): value = .array(fields.keys.sorted().compactMap { fields[$0] })
                    case .array: break
                    default: value = .array([])
                    }
                case .property(let name): value = member(value, name)
                case .index(let indexExpression):
                    let index = try evaluate(indexExpression, in: context)
                    switch (value, index) {
                    case (.array(let items), .number(let n)):
                        let i = Int(n)
                        value = (i >= 0 && i < items.count) ? items[i] : .null
                    default: value = member(value, index.stringValue)
                    }
                }
            }
            return value
        case .not(let inner):
            return .bool(!(try evaluate(inner, in: context).isTruthy))
        case .binary(let op, let lhsExpression, let rhsExpression):
            let lhs = try evaluate(lhsExpression, in: context)
            switch op {
            case .and: return lhs.isTruthy ? try evaluate(rhsExpression, in: context) : lhs
            case .or: return lhs.isTruthy ? lhs : try evaluate(rhsExpression, in: context)
            default: break
            }
            let rhs = try evaluate(rhsExpression, in: context)
            switch op {
            case .equal: return .bool(looselyEqual(lhs, rhs))
            case .notEqual: return .bool(!looselyEqual(lhs, rhs))
            case .less: return .bool(compare(lhs, rhs, <))
            case .lessOrEqual: return .bool(compare(lhs, rhs, <=))
            case .greater: return .bool(compare(lhs, rhs, >))
            case .greaterOrEqual: return .bool(compare(lhs, rhs, >=))
            case .and, .or: return .null
            }
        case .call(let name, let argumentExpressions):
            guard let arity = functions[name] else {
                throw EvaluationError("unknown function '\(name)'\(Suggestion.hint(for: name, in: functions.keys))")
            }
            guard arity.contains(argumentExpressions.count) else {
                throw EvaluationError(
                    "\(name)() takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") argument(s), got \(argumentExpressions.count)"
                )
            }
            var arguments: [ExpressionValue] = []
            for argument in argumentExpressions { arguments.append(try evaluate(argument, in: context)) }
            return try call(name, arguments, context)
        }
    }

    private static func member(_ value: ExpressionValue, _ name: String) -> ExpressionValue {
        guard case .object(let fields) = value else { return .null }
        if let exact = fields[name] { return exact }
        // Property access is case-insensitive, as in GitHub Actions.
        let lower = name.lowercased()
        return fields.first { $0.key.lowercased() == lower }?.value ?? .null
    }

    private static func call(_ name: String, _ args: [ExpressionValue], _ context: ExpressionContext)
        throws(EvaluationError) -> ExpressionValue
    {
        switch name {
        case "success": return .bool(!context.status.failed && !context.status.cancelled)
        case "failure": return .bool(context.status.failed && !context.status.cancelled)
        case "always": return .bool(true)
        case "cancelled": return .bool(context.status.cancelled)
        case "contains":
            if case .array(let items) = args[0] { return .bool(items.contains { looselyEqual($0, args[1]) }) }
            return .bool(args[0].stringValue.lowercased().contains(args[1].stringValue.lowercased()))
        case "startsWith": return .bool(args[0].stringValue.lowercased().hasPrefix(args[1].stringValue.lowercased()))
        case "endsWith": return .bool(args[0].stringValue.lowercased().hasSuffix(args[1].stringValue.lowercased()))
        case "format": return .string(try format(args[0].stringValue, Array(args.dropFirst())))
        case "toJSON": return .string(args[0].json(pretty: true))
        case "fromJSON":
            guard let data = args[0].stringValue.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            else { throw EvaluationError("fromJSON(): not valid JSON") }
            return ExpressionValue(jsonObject: object)
        case "join":
            let separator = args.count > 1 ? args[1].stringValue : ","
            if case .array(let items) = args[0] {
                return .string(items.map(\.stringValue).joined(separator: separator))
            }
            return .string(args[0].stringValue)
        case "hashFiles": return .string(hashFiles(args.map(\.stringValue), context.workspace))
        default: throw EvaluationError("unknown function '\(name)'")
        }
    }

    /// `format('{0} and {1}', a, b)`; `{{` and `}}` are literal braces.
    static func format(_ template: String, _ args: [ExpressionValue]) throws(EvaluationError) -> String {
        var out = ""
        let chars = Array(template)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "{", i + 1 < chars.count, chars[i + 1] == "{" {
                out.append("{")
                i += 2
            } else if c == "}", i + 1 < chars.count, chars[i + 1] == "}" {
                out.append("}")
                i += 2
            } else if c == "{" {
                guard let close = chars[i...].firstIndex(of: "}"), let index = Int(String(chars[(i + 1)..<close]))
                else {
                    throw EvaluationError("format(): invalid placeholder in '\(template)'")
                }
                guard index >= 0, index < args.count else {
                    throw EvaluationError("format(): placeholder {\(index)} has no argument")
                }
                out += args[index].stringValue
                i = close + 1
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// SHA-256 over the matched files' paths and contents; empty when nothing matches.
    static func hashFiles(_ patterns: [String], _ workspace: URL?) -> String {
        let root = workspace ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let files = FileWalker.files(under: root, matching: patterns.map(Glob.init))
        guard !files.isEmpty else { return "" }
        var hasher = StreamingHasher()
        for file in files {
            hasher.update(field: file)
            guard let digest = try? Digest.sha256(fileAt: root.appendingPathComponent(file)) else { continue }
            hasher.update(field: digest.hex)
        }
        return hasher.finalize().hex
    }

    /// Equality with GitHub's rules: same types compare directly (strings case-insensitively); otherwise numbers.
    static func looselyEqual(_ lhs: ExpressionValue, _ rhs: ExpressionValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a.lowercased() == b.lowercased()
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.array, .array), (.object, .object): return lhs == rhs
        case (.array, _), (.object, _), (_, .array), (_, .object): return false
        default:
            let a = lhs.numberValue
            let b = rhs.numberValue
            return !a.isNaN && !b.isNaN && a == b
        }
    }

    private static func compare(
        _ lhs: ExpressionValue, _ rhs: ExpressionValue, _ op: (Double, Double) -> Bool
    ) -> Bool {
        if case .string(let a) = lhs, case .string(let b) = rhs {
            let a = a.lowercased()
            let b = b.lowercased()
            return op(a < b ? -1 : (a == b ? 0 : 1), 0)
        }
        let a = lhs.numberValue
        let b = rhs.numberValue
        guard !a.isNaN, !b.isNaN else { return false }
        return op(a, b)
    }
}

extension ExpressionValue {
    /// Converts a `JSONSerialization` object.
    init(jsonObject: Any) {
        switch jsonObject {
        case let string as String: self = .string(string)
        case let bool as Bool where type(of: jsonObject) == type(of: NSNumber(value: true)) || jsonObject is Bool:
            // JSONSerialization gives NSNumber; booleans are told apart by their Objective-C type encoding.
            if let number = jsonObject as? NSNumber, String(cString: number.objCType) != "c" {
                self = .number(number.doubleValue)
            } else {
                self = .bool(bool)
            }
        case let number as NSNumber: self = .number(number.doubleValue)
        case let array as [Any]: self = .array(array.map(ExpressionValue.init(jsonObject:)))
        case let object as [String: Any]: self = .object(object.mapValues(ExpressionValue.init(jsonObject:)))
        default: self = .null
        }
    }
}
