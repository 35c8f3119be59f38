import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct StoredDateTests {
    /// The text is GRDB's own, to the byte, for dates across the range a run records (including
    /// fractions that sit just under a millisecond boundary), so GRDB reads it back unchanged.
    @Test func writesExactlyWhatGRDBWrites() {
        // A fixed linear congruential sequence (Knuth's MMIX constants): the same dates on every run.
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0.0009), Date(timeIntervalSince1970: 0.999),
            Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29
            Date(timeIntervalSince1970: 4_102_444_799.9999),  // 2099-12-31 23:59:59
            Date(timeIntervalSince1970: 1_796_082_279.3584189),
        ]
        for _ in 0..<5_000 {
            dates.append(Date(timeIntervalSince1970: Double(next() % 4_000_000_000_000) / 1000))
            dates.append(
                Date(
                    timeIntervalSince1970: Double(next() % 4_000_000_000) + Double(
                        next() % 1_000_000) / 1_000_000))
        }
        for date in dates {
            #expect(StoredDate(date).databaseValue == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }

    @Test func datesOutsideItsRangeAreLeftToGRDB() {
        for date in [Date(timeIntervalSince1970: -86_400.25), Date(timeIntervalSince1970: 253_402_300_800)] {
            #expect(StoredDate.text(date) == nil)
            #expect(StoredDate(date).databaseValue == date.databaseValue)
        }
    }

    @Test func readsBackAsTheDateToTheMillisecond() throws {
        let date = Date(timeIntervalSince1970: 1_796_082_279.358)
        let read = try #require(Date.fromDatabaseValue(StoredDate(date).databaseValue))
        #expect(abs(read.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001)
    }
}
