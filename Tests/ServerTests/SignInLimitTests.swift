import Foundation
import Testing

@testable import Server

@Suite struct SignInLimitTests {
    /// A sliding window: the sixth failure within 60 s is refused whatever minute it falls in, and a
    /// client may try again once its oldest failure is a minute old.
    @Test func failuresCountOverAnySixtySeconds() {
        let sessions = DashboardSessions()
        let start = Date(timeIntervalSince1970: 1_800_000_059)  // one second before a minute's turn
        for index in 0..<5 { sessions.recordFailure("10.0.0.1", now: start.addingTimeInterval(Double(index) * 0.3)) }
        #expect(sessions.signInDelay("10.0.0.1", now: start.addingTimeInterval(2)) == 58)
        #expect(sessions.signInDelay("10.0.0.2", now: start.addingTimeInterval(2)) == nil)
        #expect(sessions.signInDelay("10.0.0.1", now: start.addingTimeInterval(60.1)) == nil)
    }
}
