import Foundation

/// Canonical JSON for content-addressed and signed documents: the JSON Canonicalization Scheme of
/// RFC 8785, written here rather than left to `JSONEncoder`'s incidental output, so a digest or a
/// signature depends only on the document's values.
///
/// Members are sorted by the UTF-16 code units of their names; there is no whitespace; strings escape
/// only `"`, `\` and control characters (`\b \f \n \r \t`, else `\u00xx`), everything else is raw
/// UTF-8; numbers are written as ECMAScript writes an IEEE 754 double (`1`, `0.5`, `1e-7`, `1e+21`).
public enum CanonicalJSON {
    /// The canonical bytes of an `Encodable` value (encoded by `JSONEncoder`, then canonicalized).
    public static func encode(_ value: some Encodable) throws -> Data {
        try canonicalize(try JSONEncoder().encode(value))
    }

    /// The canonical form of a JSON document.
    public static func canonicalize(_ document: Data) throws -> Data {
        try write(try JSONValue.parse(document))
    }

    /// The canonical bytes of `value`.
    public static func write(_ value: JSONValue) throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        try write(value, to: &out)
        return Data(out)
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8]) throws {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .number(let text): out += Array(try number(text).utf8)
        case .string(let text): writeString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                try write(member.1, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20:
                out += Array("\\u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A JSON number as ECMAScript's `Number.prototype.toString` writes the double it denotes
    /// (RFC 8785 §3.2.2.3). Integers up to 2^53 are exact either way.
    static func number(_ text: String) throws -> String {
        guard let value = Double(text), value.isFinite else {
            throw JSONSyntaxError(description: "the number \(text) is not a finite IEEE 754 double")
        }
        if value == 0 { return "0" }
        // Swift's description is the shortest text that reads back as the same double.
        let shortest = value.magnitude.description
        let parts = shortest.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        var digits = Array(mantissa[0]) + (mantissa.count == 2 ? Array(mantissa[1]) : [])
        var point = mantissa[0].count
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let n = point + exponent
        let sign = value < 0 ? "-" : ""
        let all = String(digits)
        if k <= n && n <= 21 { return sign + all + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return sign + String(digits[0..<n]) + "." + String(digits[n...]) }
        if -6 < n && n <= 0 { return sign + "0." + String(repeating: "0", count: -n) + all }
        let e = n - 1
        let head = String(digits[0]) + (k > 1 ? "." + String(digits[1...]) : "")
        return sign + head + "e" + (e < 0 ? "-" : "+") + String(e.magnitude)
    }
}
