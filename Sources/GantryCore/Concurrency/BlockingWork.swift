import Foundation

/// Runs work that blocks its thread for long — hashing a large file, packing, unpacking or scanning
/// a tree — on a thread of its own instead of Swift's cooperative thread pool, which has one thread
/// per core: a task blocked there for seconds would hold back every other task of the process (a
/// server's requests, a run's other jobs, a host's reconcile loop).
///
/// A thread per call, not a shared dispatch queue: such work is rare and long (a thread costs tens
/// of microseconds against its seconds), and a queue's workers, once all busy with it, would make
/// short work queued behind them wait until the queue grows.
public enum BlockingWork {
    /// `body`'s result (or error), computed on a new thread.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = "gantry-blocking"
            thread.start()
        }
    }
}
