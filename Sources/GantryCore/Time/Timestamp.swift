public import Foundation

/// UTC ISO 8601 timestamps with millisecond precision, the one time format Gantry writes.
public enum Timestamp {
    /// `2026-11-23T13:22:52.123Z`.
    public static func iso8601(_ date: Date) -> String {
        utcText(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)), separator: "T") + "Z"
    }

    /// `yyyy-MM-dd<separator>HH:mm:ss.SSS` in UTC for `milliseconds` since the epoch (the shape of
    /// `iso8601` without its `Z`, and of the dates the state database stores, with a space).
    public static func utcText(milliseconds millisTotal: Int64, separator: Character) -> String {
        let seconds = millisTotal / 1000
        let millis = Int(millisTotal % 1000)
        let days = Int(seconds / 86_400)
        let secondOfDay = Int(seconds % 86_400)
        let (year, month, day) = civil(fromDays: days)
        // Written by hand: this runs for every log line, and String(format:) is slow.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        bytes.append(45)
        digits(month, 2)
        bytes.append(45)
        digits(day, 2)
        bytes.append(contentsOf: separator.utf8)
        digits(secondOfDay / 3600, 2)
        bytes.append(58)
        digits((secondOfDay % 3600) / 60, 2)
        bytes.append(58)
        digits(secondOfDay % 60, 2)
        bytes.append(46)
        digits(millis, 3)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `1970-01-01T00:00:00Z` for whole seconds since the epoch (reproducible build timestamps).
    public static func rfc3339Seconds(_ seconds: Int64) -> String {
        String(iso8601(Date(timeIntervalSince1970: Double(seconds))).dropLast(5)) + "Z"
    }

    /// Parses the format written by `iso8601(_:)` (also without milliseconds).
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
