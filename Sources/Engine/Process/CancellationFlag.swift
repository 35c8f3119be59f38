import Synchronization

/// A flag set once when a run is cancelled (Ctrl-C, SIGTERM); read by process loops and the scheduler.
public final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    public init() {}

    /// Marks the run cancelled.
    public func cancel() { state.store(true, ordering: .sequentiallyConsistent) }

    /// Whether the run was cancelled.
    public var isCancelled: Bool { state.load(ordering: .sequentiallyConsistent) }
}
