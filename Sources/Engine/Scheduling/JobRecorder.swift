import Foundation
import StateModel
import Synchronization

/// Writes finished jobs to the state in small batches, one transaction per batch, in order, while
/// the scheduler goes on.
///
/// A 1,000-job run would otherwise pay a transaction per job on the scheduler's path. A batch is
/// handed to a writing task when it holds 32 jobs or is 200 ms old (each task waits for the one
/// before it), so the scheduler never waits on the database; `flush` waits for every batch and
/// writes the rest, and always runs before the run is marked finished. A failed write is reported
/// by the next `add` or by `flush`.
final class JobRecorder: Sendable {
    private struct State {
        var pending: [JobRecord] = []
        var oldest: ContinuousClock.Instant?
        var failure: (any Error)?
    }

    private let store: any StateRepositories
    private let state = Mutex(State())
    /// The latest batch being written (it waits for the batch before it).
    private let writing = Mutex<Task<Void, Never>?>(nil)
    static let batchSize = 32
    static let maxAge: Duration = .milliseconds(200)

    init(store: any StateRepositories) { self.store = store }

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
        writing.withLock { latest in
            let before = latest
            latest = Task { [self] in
                await before?.value
                do {
                    try await store.recordJobs(batch)
                } catch {
                    state.withLock { if $0.failure == nil { $0.failure = error } }
                }
            }
        }
    }

    /// Writes everything queued and waits for every batch.
    func flush() async throws {
        await writing.withLock { $0 }?.value
        let (batch, failure) = state.withLock { (take(&$0), $0.failure) }
        if let failure { throw failure }
        if !batch.isEmpty { try await store.recordJobs(batch) }
    }

    private func take(_ state: inout State) -> [JobRecord] {
        defer {
            state.pending.removeAll()
            state.oldest = nil
        }
        return state.pending
    }
}
