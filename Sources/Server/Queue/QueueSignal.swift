import Synchronization

/// Wakes waiting run workers when a run is queued. A wake-up with nobody waiting is kept (one), so a
/// worker that was busy finds the queue again instead of sleeping through it.
final class QueueSignal: Sendable {
    private struct State {
        var pending = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Wakes every waiting worker (or the next to wait).
    func notify() {
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            if state.waiters.isEmpty { state.pending = true }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next `notify` (at once if one is pending), or after `timeout`.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state in
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            // The sleeper may have won: wake the waiter so the group can finish.
            notifyWaitersOnly()
            group.cancelAll()
        }
    }

    private func notifyWaitersOnly() {
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
