import Foundation
import Testing

@testable import Engine

@Suite struct RunExecutorTests {
    /// The kernel's id of the calling thread.
    private static func threadID() -> Int32 {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        return Int32(link.split(separator: "/").last ?? "") ?? -1
    }

    @Test func aRunsTasksShareOneThread() async throws {
        let executor = RunExecutor()
        defer { executor.finish() }
        let threads = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: [Int32].self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        var seen = [Self.threadID()]
                        try? await Task.sleep(for: .milliseconds(1))
                        seen.append(Self.threadID())
                        return seen
                    }
                }
                var all: [Int32] = []
                for await seen in group { all += seen }
                return all
            }
        }
        #expect(threads.count == 100)
        #expect(Set(threads).count == 1, "tasks ran on \(Set(threads).count) threads")
        let name = try String(contentsOfFile: "/proc/self/task/\(threads[0])/comm", encoding: .utf8)
        #expect(name == RunExecutor.threadName + "\n")
    }

    /// Work that arrives after `finish()` (or after the thread ended) still runs: the thread starts again.
    @Test(.timeLimit(.minutes(1))) func workAfterFinishStillRuns() async throws {
        let executor = RunExecutor()
        let first = await withTaskExecutorPreference(executor) { Self.threadID() }
        executor.finish()
        try await Task.sleep(for: .milliseconds(50))
        let second = await withTaskExecutorPreference(executor) {
            try? await Task.sleep(for: .milliseconds(1))
            return Self.threadID()
        }
        #expect(first > 0 && second > 0)
    }
}
