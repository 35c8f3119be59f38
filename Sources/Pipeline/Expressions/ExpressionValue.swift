import Foundation
public import GantryCore

/// A value an expression produces: the JSON data model, with GitHub Actions' coercion rules.
public enum ExpressionValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ExpressionValue])
    case object([String: ExpressionValue])

    /// An object of string values from ordered pairs (a matrix combination, an `env:` block);
    /// a later pair wins over an earlier one with the same key.
    public static func object(strings pairs: [(String, String)]) -> ExpressionValue {
        .object(Dictionary(pairs.map { ($0.0, ExpressionValue.string($0.1)) }, uniquingKeysWith: { $1 }))
    }

    /// Falsy: `false`, `0`, `-0`, `NaN`, `""`, `null`. Everything else is truthy.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .number(let n): n != 0 && !n.isNaN
        case .string(let s): !s.isEmpty
        case .array, .object: true
        }
    }

    /// The value as it is interpolated into a string.
    public var stringValue: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .number(let n): ExpressionValue.format(n)
        case .string(let s): s
        case .array, .object: json(pretty: true)
        }
    }

    /// Numeric coercion: null→0, bool→0/1, string parsed (empty→0, else NaN when not a number).
    var numberValue: Double {
        switch self {
        case .null: return 0
        case .bool(let b): return b ? 1 : 0
        case .number(let n): return n
        case .string(let s):
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return 0 }
            if trimmed.hasPrefix("0x"), let v = Int(trimmed.dropFirst(2), radix: 16) { return Double(v) }
            return Double(trimmed) ?? Double.nan
        case .array, .object: return Double.nan
        }
    }

    /// JSON text of the value.
    public func json(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let closePad = pretty ? String(repeating: "  ", count: indent) : ""
        let newline = pretty ? "\n" : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += ExpressionValue.format(n)
        case .string(let s): out += JSONText.quote(s)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "[" + newline
            for (i, item) in items.enumerated() {
                out += pad
                item.write(into: &out, pretty: pretty, indent: indent + 1)
                out += (i == items.count - 1 ? "" : ",") + newline
            }
            out += closePad + "]"
        case .object(let fields):
            if fields.isEmpty {
                out += "{}"
                return
            }
            out += "{" + newline
            let keys = fields.keys.sorted()
            for (i, key) in keys.enumerated() {
                out += pad + JSONText.quote(key) + (pretty ? ": " : ":")
                fields[key]?.write(into: &out, pretty: pretty, indent: indent + 1)
                out += (i == keys.count - 1 ? "" : ",") + newline
            }
            out += closePad + "}"
        }
    }

    static func format(_ n: Double) -> String {
        if n.isNaN { return "NaN" }
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }
}

extension ExpressionValue {
    /// A JSON document as an expression value (a workflow's event payload): members by name, numbers
    /// as `Double`.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let text): self = .number(Double(text) ?? 0)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(ExpressionValue.init(json:)))
        case .object(let members):
            self = .object(Dictionary(members.map { ($0.0, ExpressionValue(json: $0.1)) }, uniquingKeysWith: { $1 }))
        }
    }
}
