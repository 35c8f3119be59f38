import Foundation
import GantryCore
import Testing

@Suite struct RunIDTests {
    @Test func startsWithTheUTCTimeOfTheRun() {
        // 2026-11-30 23:44:34.9 UTC
        let id = RunID.make(at: Date(timeIntervalSince1970: 1_796_082_274.9)).description
        #expect(id.hasPrefix("20261130-234434-"), "\(id)")
        let random = id.dropFirst("20261130-234434-".count)
        #expect(random.count == 6 && random.allSatisfy(\.isHexDigit), "\(id)")
        #expect(RunID.make(at: Date(timeIntervalSince1970: 0)).description.hasPrefix("19700101-000000-"))
    }

    @Test func twoRunsInTheSameSecondDiffer() {
        let date = Date()
        let ids = Set((0..<20).map { _ in RunID.make(at: date).description })
        #expect(ids.count > 1)
    }
}
