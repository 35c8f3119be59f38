import Foundation
import Synchronization

/// The output of the runs this server is executing, as it is printed (already masked by the engine),
/// for the dashboard's live view: each line numbered per run so a viewer that reconnects asks for what
/// follows the last line it has. Bounded: the last `linesPerRun` lines of at most `runs` runs, kept
/// `retention` after a run ends (then the run page shows the log files).
final class LiveLogs: Sendable {
    struct Line: Sendable, Equatable {
        /// From 1, per run.
        var number: Int
        var job: String
        var stream: String
        var text: String
        /// On a job's event: the state it is in now (`running`, or how it ended), for the DAG.
        var state: String? = nil
    }

    private struct RunBuffer {
        var lines: [Line] = []
        var next = 1
        var finishedAt: Date?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let linesPerRun = 5_000
    let runs = 64
    let retention: TimeInterval = 600
    private let buffers = Mutex<[String: RunBuffer]>([:])

    /// Adds output lines of `job` in `runID`; `state` marks an event that moved the job to that state.
    func publish(runID: String, job: String, stream: String, lines: [String], state: String? = nil) {
        let waiters = buffers.withLock { buffers -> [CheckedContinuation<Void, Never>] in
            if buffers[runID] == nil { evict(&buffers) }
            var buffer = buffers[runID] ?? RunBuffer()
            for text in lines {
                buffer.lines.append(Line(number: buffer.next, job: job, stream: stream, text: text, state: state))
                buffer.next += 1
            }
            if buffer.lines.count > linesPerRun { buffer.lines.removeFirst(buffer.lines.count - linesPerRun) }
            let waiters = buffer.waiters
            buffer.waiters = []
            buffers[runID] = buffer
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Marks `runID` ended: viewers get what is left, then the end.
    func finish(runID: String, at date: Date = Date()) {
        let waiters = buffers.withLock { buffers -> [CheckedContinuation<Void, Never>] in
            var buffer = buffers[runID] ?? RunBuffer()
            buffer.finishedAt = date
            let waiters = buffer.waiters
            buffer.waiters = []
            buffers[runID] = buffer
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether this server has (or had recently) the run's live output.
    func knows(_ runID: String) -> Bool { buffers.withLock { $0[runID] != nil } }

    /// The last state each job's events reported (`running`, or how it ended), for the run's DAG.
    func jobStates(runID: String) -> [String: String] {
        buffers.withLock { buffers in
            var states: [String: String] = [:]
            for line in buffers[runID]?.lines ?? [] {
                if let state = line.state { states[line.job] = state }
            }
            return states
        }
    }

    /// The lines after `after` (all kept lines when they start later), waiting up to `timeout` for
    /// some; `ended` once the run has finished and every line was given.
    func lines(runID: String, after: Int, timeout: Duration) async -> (lines: [Line], ended: Bool) {
        if let ready = available(runID, after: after) { return ready }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { continuation in
                    let resumeNow = buffers.withLock { buffers -> Bool in
                        guard var buffer = buffers[runID], buffer.finishedAt == nil,
                            (buffer.lines.last?.number ?? 0) <= after
                        else { return true }
                        buffer.waiters.append(continuation)
                        buffers[runID] = buffer
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            wakeAll(runID)
            group.cancelAll()
        }
        return available(runID, after: after) ?? ([], false)
    }

    private func available(_ runID: String, after: Int) -> (lines: [Line], ended: Bool)? {
        buffers.withLock { buffers in
            guard let buffer = buffers[runID] else { return ([], true) }
            let lines = buffer.lines.filter { $0.number > after }
            if !lines.isEmpty { return (lines, false) }
            return buffer.finishedAt != nil ? ([], true) : nil
        }
    }

    private func wakeAll(_ runID: String) {
        let waiters = buffers.withLock { buffers -> [CheckedContinuation<Void, Never>] in
            guard var buffer = buffers[runID] else { return [] }
            let waiters = buffer.waiters
            buffer.waiters = []
            buffers[runID] = buffer
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Drops runs ended longer than `retention` ago, and the oldest when there are too many.
    private func evict(_ buffers: inout [String: RunBuffer]) {
        let now = Date()
        buffers = buffers.filter { _, buffer in
            buffer.finishedAt.map { now.timeIntervalSince($0) < retention } ?? true
        }
        while buffers.count >= runs,
            let oldest = buffers.min(by: {
                ($0.value.finishedAt ?? .distantFuture) < ($1.value.finishedAt ?? .distantFuture)
            })
        {
            for waiter in oldest.value.waiters { waiter.resume() }
            buffers[oldest.key] = nil
        }
    }
}
