import Foundation
import GantryCore
import Synchronization
import Testing

/// Blocking work runs beside the cooperative pool, not on it: more of it than the pool has threads
/// runs at once.
@Suite struct BlockingWorkTests {
    final class Gauge: Sendable {
        private let state = Mutex((running: 0, most: 0))
        func enter() {
            state.withLock {
                $0.running += 1
                $0.most = max($0.most, $0.running)
            }
        }
        func leave() { state.withLock { $0.running -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    @Test func moreBlockingCallsThanThePoolHasThreadsRunAtOnce() async throws {
        let width = ProcessInfo.processInfo.activeProcessorCount + 2
        let gauge = Gauge()
        // Every blocking call waits until all have started (or 5 s): on a pool of `cores` threads
        // they could never all be running together.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<width {
                group.addTask {
                    try await BlockingWork.run {
                        gauge.enter()
                        defer { gauge.leave() }
                        var waited = 0
                        while gauge.most < width, waited < 500 {
                            usleep(10_000)
                            waited += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(gauge.most == width)
    }

    @Test func resultsAndErrorsComeBack() async throws {
        #expect(try await BlockingWork.run { 6 * 7 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await BlockingWork.run { throw Refused() } }
    }
}
