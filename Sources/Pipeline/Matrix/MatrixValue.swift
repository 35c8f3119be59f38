import Foundation
import Yams

/// A matrix value that is a mapping or a list (GitHub workflows allow them: `config: [{os: linux,
/// cc: gcc}]`), carried through the model's string values as canonical JSON behind a marker that
/// YAML text cannot produce, and read back as an object wherever the matrix becomes a context.
public enum MatrixValue {
    static let marker = "\u{1}json:"

    /// The encoded form of a mapping or sequence node (keys sorted: equal values encode equally, so
    /// `exclude` entries match).
    static func encode(_ node: Node) -> String {
        marker + (canonicalJSON(node) ?? "null")
    }

    /// The encoded form of a value an expression produced or a workflow's unquoted boolean (keys of an
    /// object sorted, as above).
    static func encode(json value: ExpressionValue) -> String {
        marker + value.json()
    }

    /// `value` as an expression value: an encoded object or list decoded, anything else a string.
    public static func expressionValue(_ value: String) -> ExpressionValue {
        guard value.hasPrefix(marker), let data = value.dropFirst(marker.count).data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return .string(value) }
        return ExpressionValue(jsonObject: object)
    }

    /// What people see: the JSON itself, without the marker.
    public static func display(_ value: String) -> String {
        value.hasPrefix(marker) ? String(value.dropFirst(marker.count)) : value
    }

    private static func canonicalJSON(_ node: Node) -> String? {
        func plain(_ node: Node) -> Any {
            switch node {
            case .scalar(let scalar): return scalar.string
            case .sequence(let sequence): return sequence.map(plain)
            case .mapping(let mapping):
                var object: [String: Any] = [:]
                for (key, value) in mapping { object[key.string ?? ""] = plain(value) }
                return object
            case .alias: return NSNull()
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: plain(node), options: [.sortedKeys]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension ExpressionValue {
    /// The matrix context of one combination (encoded objects and lists decoded).
    public static func matrix(_ combination: [(String, String)]) -> ExpressionValue {
        .object(Dictionary(combination.map { ($0.0, MatrixValue.expressionValue($0.1)) }, uniquingKeysWith: { $1 }))
    }
}
