import Foundation
import Store
import Synchronization

/// Writes finished jobs to the state database in small batches, one transaction per batch.
///
/// A 1,000-job run would otherwise pay a transaction per job on the scheduler's path. A batch is
/// written when it holds 32 jobs or is 200 ms old, and always before the run is marked finished.
final class JobRecorder: Sendable {
    private struct State {
        var pending: [JobRecord] = []
        var oldest: ContinuousClock.Instant?
    }

    private let store: StateStore
    private let state = Mutex(State())
    static let batchSize = 32
    static let maxAge: Duration = .milliseconds(200)

    init(store: StateStore) { self.store = store }

    /// Queues a record; writes the batch when it is full or old enough.
    func add(_ record: JobRecord) throws {
        let batch: [JobRecord] = state.withLock { state in
            state.pending.append(record)
            if state.oldest == nil { state.oldest = .now }
            guard state.pending.count >= Self.batchSize || (state.oldest.map { .now - $0 > Self.maxAge } ?? false)
            else { return [] }
            return take(&state)
        }
        try store.recordJobs(batch)
    }

    /// Writes everything queued.
    func flush() throws {
        let batch = state.withLock { take(&$0) }
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
