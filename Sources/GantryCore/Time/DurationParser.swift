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

    /// The longest duration accepted anywhere (ten years). Durations come from pipeline files and flags,
    /// which can be hostile; bounding them keeps every later conversion (milliseconds in `Int64`,
    /// `Date` arithmetic, timers) far from overflow.
    public static let maximum: Duration = .seconds(10 * 365 * 86_400)

    /// Returns the duration, or throws `Failure` with a message that names the bad input.
    /// Zero and negative durations are refused: every timeout must be finite and positive; so are
    /// durations longer than `maximum`.
    public static func parse(_ input: String) throws(Failure) -> Duration {
        let text = input.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw Failure(input: input, reason: "it is empty") }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // A bare number of seconds; digits only, so a failed Int conversion means it is too large.
            guard let seconds = Int(text), seconds <= maximum.components.seconds else { throw tooLong(input) }
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
            let millisecondsPerUnit: Double
            switch unit {
            case "ms": millisecondsPerUnit = 1
            case "s": millisecondsPerUnit = 1000
            case "m": millisecondsPerUnit = 60_000
            case "h": millisecondsPerUnit = 3_600_000
            case "d": millisecondsPerUnit = 86_400_000
            default: throw Failure(input: input, reason: "unknown unit '\(unit)'")
            }
            // Checked before converting: a Double past Int64's range traps on conversion.
            let milliseconds = (value * millisecondsPerUnit).rounded()
            guard milliseconds <= Double(maximum.milliseconds) else { throw tooLong(input) }
            total += .milliseconds(Int64(milliseconds))
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { throw Failure(input: input, reason: "a number must have a unit") }
        guard total > .zero else { throw Failure(input: input, reason: "it must be greater than zero") }
        guard total <= maximum else { throw tooLong(input) }
        return total
    }

    private static func tooLong(_ input: String) -> Failure {
        Failure(input: input, reason: "it is longer than the maximum of 3650d (ten years)")
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

    /// Seconds as a Double to the attosecond, for latencies below a millisecond.
    public var preciseSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

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
