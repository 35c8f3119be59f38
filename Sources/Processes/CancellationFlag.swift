import Synchronization

/// A flag set once when a run or a promotion is cancelled (Ctrl-C, SIGTERM); read by process loops,
/// the scheduler and the promoter.
public final class CancellationFlag: Sendable {
    /// 0: not cancelled; -1: cancelled without a signal; otherwise the signal that cancelled it.
    private let state = Atomic<Int32>(0)
    /// A flag this one follows: cancelled when it is (a job's flag follows its run's).
    private let parent: CancellationFlag?

    public init() { parent = nil }

    /// A flag that is cancelled when `parent` is, and can also be cancelled alone (one job of a run).
    public init(following parent: CancellationFlag) { self.parent = parent }

    /// Marks it cancelled, remembering the signal that asked for it (the first one wins).
    public func cancel(signal: Int32? = nil) {
        _ = state.compareExchange(expected: 0, desired: signal ?? -1, ordering: .sequentiallyConsistent)
    }

    /// Whether it was cancelled.
    public var isCancelled: Bool {
        state.load(ordering: .sequentiallyConsistent) != 0 || parent?.isCancelled == true
    }

    /// The signal that cancelled it, when a signal did.
    public var signal: Int32? {
        let value = state.load(ordering: .sequentiallyConsistent)
        return value > 0 ? value : parent?.signal
    }
}
