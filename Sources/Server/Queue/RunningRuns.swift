import Processes
import Synchronization

/// The runs this server is executing, by queue id, with the flag that stops each: how the API cancels
/// a run and how shutdown stops what outlived its grace period.
final class RunningRuns: Sendable {
    private let flags = Mutex<[String: CancellationFlag]>([:])

    func add(_ queueID: String, _ flag: CancellationFlag) { flags.withLock { $0[queueID] = flag } }

    func remove(_ queueID: String) { flags.withLock { $0[queueID] = nil } }

    /// Stops the run of queue entry `queueID`; false when this server is not running it.
    func cancel(_ queueID: String) -> Bool {
        guard let flag = flags.withLock({ $0[queueID] }) else { return false }
        flag.cancel()
        return true
    }

    /// Stops every run under way; returns how many.
    func cancelAll() -> Int {
        let all = flags.withLock { Array($0.values) }
        for flag in all { flag.cancel() }
        return all.count
    }
}
