import Foundation
import GRDB

/// A date as GRDB stores it (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), written without a `DateFormatter`.
///
/// GRDB formats every bound `Date` with a shared `DateFormatter`, which on Linux goes through ICU:
/// its first use loads ICU's data (milliseconds before a run's first job), and each use showed in
/// the cost of recording a 1,000-job run (three dates per job). The text is the same to the byte (a
/// test compares them), so GRDB reads these back as it reads its own.
struct StoredDate: DatabaseValueConvertible {
    let date: Date

    init(_ date: Date) { self.date = date }

    var databaseValue: DatabaseValue { Self.text(date)?.databaseValue ?? date.databaseValue }

    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> StoredDate? {
        Date.fromDatabaseValue(dbValue).map(StoredDate.init)
    }

    /// `date` as `yyyy-MM-dd HH:mm:ss.SSS` in UTC, to the nearest millisecond (as Foundation does); nil outside
    /// the years 1970–9999, which are left to GRDB's formatter.
    static func text(_ date: Date) -> String? {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        guard milliseconds >= 0, gmtime_r(&seconds, &parts) != nil, parts.tm_year + 1900 <= 9999 else { return nil }
        var text = ""
        text.reserveCapacity(23)
        append(Int(parts.tm_year) + 1900, width: 4, to: &text)
        text += "-"
        append(Int(parts.tm_mon) + 1, width: 2, to: &text)
        text += "-"
        append(Int(parts.tm_mday), width: 2, to: &text)
        text += " "
        append(Int(parts.tm_hour), width: 2, to: &text)
        text += ":"
        append(Int(parts.tm_min), width: 2, to: &text)
        text += ":"
        append(Int(parts.tm_sec), width: 2, to: &text)
        text += "."
        append(fraction, width: 3, to: &text)
        return text
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }
}
