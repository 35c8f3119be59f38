import Foundation
import Synchronization
import Testing

@testable import Serving

/// A host's heartbeat runs on a thread of its own: it keeps beating while every thread of the
/// cooperative pool is busy, and none comes after `stop()` returns.
@Suite struct HostHeartbeatTests {
    @Test func itBeatsUntilStoppedAndNeverAfter() async throws {
        let beats = Count()
        let heartbeat = HostHeartbeat(interval: .milliseconds(5)) { beats.add() }
        var waited = 0
        while beats.value < 3, waited < 400 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(beats.value >= 3)
        await heartbeat.stop()
        let afterStop = beats.value
        try await Task.sleep(for: .milliseconds(100))
        #expect(beats.value == afterStop)
        // Stopping again returns at once.
        await heartbeat.stop()
    }

    @Test func itBeatsWhileTheCooperativePoolIsBlocked() async throws {
        let beats = Count()
        let heartbeat = HostHeartbeat(interval: .milliseconds(5)) { beats.add() }
        // More tasks than the pool has threads, each blocking its thread: a beat scheduled on the pool
        // could not run until they end.
        let width = ProcessInfo.processInfo.activeProcessorCount + 1
        let grew = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<width {
                group.addTask {
                    let before = beats.value
                    usleep(400_000)
                    return beats.value > before
                }
            }
            var all = true
            for await result in group { all = all && result }
            return all
        }
        await heartbeat.stop()
        #expect(grew)
    }

    final class Count: Sendable {
        private let count = Atomic<Int>(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }
}
