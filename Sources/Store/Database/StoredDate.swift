import Foundation
import GRDB
import GantryCore

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

    /// `date` as `yyyy-MM-dd HH:mm:ss.SSS` in UTC, to the nearest millisecond (as Foundation does);
    /// nil outside the years 1970–9999, which are left to GRDB's formatter.
    static func text(_ date: Date) -> String? {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        guard milliseconds >= 0, milliseconds < latest else { return nil }
        return Timestamp.utcText(milliseconds: milliseconds, separator: " ")
    }

    /// 10000-01-01 00:00:00 UTC in milliseconds since the epoch.
    private static let latest: Int64 = 253_402_300_800_000
}
