import Dispatch
import Foundation
import Store
import Synchronization

/// Writes finished jobs to the state database in small batches, one transaction per batch, on a
/// queue of its own.
///
/// A 1,000-job run would otherwise pay a transaction per job on the scheduler's path. A batch is
/// handed to the writer queue when it holds 32 jobs or is 200 ms old, so the scheduler never waits
/// on SQLite; `flush` waits for every batch and writes the rest, and always runs before the run is
/// marked finished. A failed write is reported by the next `add` or by `flush`.
final class JobRecorder: Sendable {
    private struct State {
        var pending: [JobRecord] = []
        var oldest: ContinuousClock.Instant?
        var failure: (any Error)?
    }

    private let store: StateStore
    private let state = Mutex(State())
    private let writer = DispatchQueue(label: "gantry.job-recorder")
    static let batchSize = 32
    static let maxAge: Duration = .milliseconds(200)

    init(store: StateStore) { self.store = store }

    /// Queues a record; hands the batch to the writer when it is full or old enough.
    func add(_ record: JobRecord) throws {
        let (batch, failure): ([JobRecord], (any Error)?) = state.withLock { state in
            state.pending.append(record)
            if state.oldest == nil { state.oldest = .now }
            guard state.pending.count >= Self.batchSize || (state.oldest.map { .now - $0 > Self.maxAge } ?? false)
            else { return ([], state.failure) }
            return (take(&state), state.failure)
        }
        if let failure { throw failure }
        guard !batch.isEmpty else { return }
        writer.async { [self] in
            do {
                try store.recordJobs(batch)
            } catch {
                state.withLock { if $0.failure == nil { $0.failure = error } }
            }
        }
    }

    /// Writes everything queued and waits for the writer.
    func flush() throws {
        writer.sync {}
        let (batch, failure) = state.withLock { (take(&$0), $0.failure) }
        if let failure { throw failure }
        try store.recordJobs(batch)
    }

    private func take(_ state: inout State) -> [JobRecord] {
        defer {
            state.pending.removeAll()
            state.oldest = nil
        }
        return state.pending
    }
}
