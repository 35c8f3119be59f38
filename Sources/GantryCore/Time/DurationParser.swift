import Foundation

/// Parses human durations such as `90s`, `5m`, `1h30m`, `250ms` or a bare number of seconds.
public enum DurationParser {
    /// The problem with a duration string, phrased for a user.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let input: String
        public let reason: String
        public var description: String {
            "invalid duration '\(input)': \(reason) (expected e.g. 90s, 5m, 1h30m, 500ms)"
        }
    }

    /// Returns the duration, or throws `Failure` with a message that names the bad input.
    /// Zero and negative durations are refused: every timeout must be finite and positive.
    public static func parse(_ input: String) throws(Failure) -> Duration {
        let text = input.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw Failure(input: input, reason: "it is empty") }
        if let seconds = Int(text) {
            guard seconds > 0 else { throw Failure(input: input, reason: "it must be greater than zero") }
            return .seconds(seconds)
        }
        var total: Duration = .zero
        var number = ""
        var chars = Array(text)
        var index = 0
        var sawUnit = false
        chars.append(" ")
        while index < chars.count - 1 {
            let char = chars[index]
            if char.isNumber || char == "." {
                number.append(char)
                index += 1
                continue
            }
            guard !number.isEmpty, let value = Double(number) else {
                throw Failure(input: input, reason: "expected a number before '\(char)'")
            }
            let unit: String
            if char == "m" && chars[index + 1] == "s" {
                unit = "ms"
                index += 2
            } else {
                unit = String(char)
                index += 1
            }
            switch unit {
            case "ms": total += .milliseconds(Int64((value).rounded()))
            case "s": total += .milliseconds(Int64((value * 1000).rounded()))
            case "m": total += .milliseconds(Int64((value * 60_000).rounded()))
            case "h": total += .milliseconds(Int64((value * 3_600_000).rounded()))
            case "d": total += .milliseconds(Int64((value * 86_400_000).rounded()))
            default: throw Failure(input: input, reason: "unknown unit '\(unit)'")
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { throw Failure(input: input, reason: "a number must have a unit") }
        guard total > .zero else { throw Failure(input: input, reason: "it must be greater than zero") }
        return total
    }
}

extension Duration {
    /// Whole milliseconds, for records and JSON.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a Double, for scheduling.
    public var seconds: Double { Double(milliseconds) / 1000 }

    /// A short human form: `850ms`, `12.3s`, `4m05s`, `1h02m`.
    public var humanShort: String {
        let ms = milliseconds
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        let totalSeconds = ms / 1000
        if totalSeconds < 3600 { return String(format: "%dm%02ds", totalSeconds / 60, totalSeconds % 60) }
        return String(format: "%dh%02dm", totalSeconds / 3600, (totalSeconds % 3600) / 60)
    }
}
