import CGantrySystem
import Foundation
import GantryCore
import Synchronization

/// Runs a child process in its own process group and streams its output with bounded memory.
///
/// A supervisor loop (`SupervisorLoop`, one per core) watches the child's stdout, stderr and pidfd on
/// its epoll set. A timeout or a cancellation sends SIGTERM to the whole group, then SIGKILL after
/// `killGrace`. When the main process exits, anything it left behind in its group is terminated the
/// same way, so no orphan survives a step.
public struct ProcessRunner: Sendable {
    /// Time between SIGTERM and SIGKILL.
    public var killGrace: Duration
    /// Size of each read from a pipe; the only output memory a child costs.
    public var chunkSize: Int = 64 * 1024

    public init(killGrace: Duration = .seconds(5)) {
        self.killGrace = killGrace
        // Orphans of our children re-parent to us, so the group they stay in can be reaped and killed.
        _ = gantry_set_child_subreaper()
    }

    /// Runs `spec`, delivering output chunks to `onOutput` (called on the supervisor's thread, in order
    /// per stream; it must not wait for another child).
    /// Throws `InfrastructureError` when the process cannot start.
    ///
    /// The child is started from the thread that supervises it, so the kernel's parent-death signal
    /// (which follows the starting thread) fires only if Gantry itself dies. Cancelling the calling
    /// task stops the child as `cancellation` would (SIGTERM, then SIGKILL after `killGrace`).
    public func run(
        _ spec: ProcessSpec, timeout: Duration, cancellation: CancellationFlag,
        onOutput: @escaping @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void
    ) async throws -> ProcessOutcome {
        // The task's own cancellation stops only this child, not everything sharing `cancellation`.
        let taskCancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await start(
                spec, timeout: timeout, cancellations: [cancellation, taskCancellation], onOutput: onOutput)
        } onCancel: {
            taskCancellation.cancel()
        }
    }

    /// Runs `spec` to completion for a synchronous caller, which it blocks (as a scanner reading
    /// `git log` does): the child is supervised exactly as by `run` — its own process group, the
    /// parent-death signal, the timeout and `cancellation`. Not from an output callback: those run on
    /// the supervisor's thread, which this would wait for.
    public func runBlocking(
        _ spec: ProcessSpec, timeout: Duration, cancellation: CancellationFlag = CancellationFlag(),
        onOutput: @escaping @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void
    ) throws -> ProcessOutcome {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<ProcessOutcome, any Error>?>(nil)
        SupervisorLoop.next.submit(
            request(spec, timeout: timeout, cancellations: [cancellation], onOutput: onOutput) { outcome in
                result.withLock { $0 = outcome }
                done.signal()
            })
        done.wait()
        guard let finished = result.withLock({ $0 }) else {
            throw InfrastructureError("the process \(spec.executable) was not supervised")
        }
        return try finished.get()
    }

    private func start(
        _ spec: ProcessSpec, timeout: Duration, cancellations: [CancellationFlag],
        onOutput: @escaping @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void
    ) async throws -> ProcessOutcome {
        try await withCheckedThrowingContinuation { continuation in
            SupervisorLoop.next.submit(
                request(spec, timeout: timeout, cancellations: cancellations, onOutput: onOutput) {
                    continuation.resume(with: $0)
                })
        }
    }

    private func request(
        _ spec: ProcessSpec, timeout: Duration, cancellations: [CancellationFlag],
        onOutput: @escaping @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void,
        completion: @escaping @Sendable (Result<ProcessOutcome, any Error>) -> Void
    ) -> SupervisorLoop.Request {
        SupervisorLoop.Request(
            spec: spec, timeout: timeout, cancellations: cancellations, killGrace: killGrace,
            chunkSize: max(1, chunkSize), onOutput: onOutput, completion: completion)
    }

    /// A fresh owner mark for `ProcessSpec.ownerMark`, to record before a child starts (a promotion
    /// records its deploy's mark, so whoever closes it after a crash can stop what it left).
    public static func newOwnerMark() -> String { ProcessOwnership.newMark() }

    /// Stops every process carrying `mark` (SIGTERM, then SIGKILL after `grace`) and returns once none
    /// is left, or after the SIGKILL pass. Used to close what a dead Gantry process left running.
    /// Returns how many processes were found.
    @discardableResult
    public static func stopAll(carrying mark: String, grace: Duration) -> Int {
        let found = ProcessOwnership.signalAll(carrying: mark, signal: SIGTERM)
        guard found > 0 else { return 0 }
        let deadline = ContinuousClock.now.advanced(by: grace)
        while ContinuousClock.now < deadline {
            usleep(20_000)
            if ProcessOwnership.signalAll(carrying: mark, signal: 0) == 0 { return found }
        }
        for _ in 0..<50 where ProcessOwnership.signalAll(carrying: mark, signal: SIGKILL) > 0 { usleep(20_000) }
        return found
    }
}

package func errnoText() -> String { String(cString: strerror(errno)) }
