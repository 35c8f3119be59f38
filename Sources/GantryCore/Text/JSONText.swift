import Foundation

/// JSON string quoting shared by expression output and log writers.
public enum JSONText {
    /// `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func quote(_ s: String) -> String {
        // Most strings (names, statuses, numbers) need no escape: one pass over the bytes, one copy.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
