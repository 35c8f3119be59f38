import Foundation

/// Runs CPU-heavy test work on a thread of its own and returns its result. Tests run side by side on
/// the cooperative pool, which has one thread per core (two on these machines): a test that computes
/// for seconds there starves the tasks of the tests running with it — a process host misses its
/// heartbeat and a promotion waiting for it gives up. Expectations belong outside `work` (it runs
/// outside the test's task): return what they check.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
