import CGantrySystem
import Foundation
import GantryCore
import Synchronization

/// Runs a child process in its own process group and streams its output with bounded memory.
///
/// One thread per child polls its stdout, stderr and a pidfd. A timeout or a cancellation sends
/// SIGTERM to the whole group, then SIGKILL after `killGrace`. When the main process exits, anything
/// it left behind in its group is terminated the same way, so no orphan survives a step.
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

    /// Runs `spec`, delivering output chunks to `onOutput` (called on the runner's thread, in order per stream).
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
    /// parent-death signal, the timeout and `cancellation`.
    public func runBlocking(
        _ spec: ProcessSpec, timeout: Duration, cancellation: CancellationFlag = CancellationFlag(),
        onOutput: @escaping @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void
    ) throws -> ProcessOutcome {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<ProcessOutcome, any Error>?>(nil)
        SupervisorThreads.shared.run {
            do {
                let child = try self.spawn(spec)
                let outcome = self.supervise(child, timeout: timeout, cancellations: [cancellation], onOutput: onOutput)
                result.withLock { $0 = .success(outcome) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
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
            SupervisorThreads.shared.run {
                let child: Child
                do {
                    child = try self.spawn(spec)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let outcome = self.supervise(
                    child, timeout: timeout, cancellations: cancellations, onOutput: onOutput)
                continuation.resume(returning: outcome)
            }
        }
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

    struct Child: Sendable {
        var pid: pid_t
        var stdout: Int32
        var stderr: Int32
        var pidfd: Int32
        /// `GANTRY_OWNER` of this child and its descendants.
        var mark: String
    }

    private func spawn(_ spec: ProcessSpec) throws -> Child {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard gantry_pipe_cloexec(&outPipe) == 0 else {
            throw InfrastructureError("cannot create a pipe: \(errnoText())")
        }
        guard gantry_pipe_cloexec(&errPipe) == 0 else {
            close(outPipe[0])
            close(outPipe[1])
            throw InfrastructureError("cannot create a pipe: \(errnoText())")
        }
        let arguments = [spec.executable] + spec.arguments
        let mark = spec.ownerMark ?? ProcessOwnership.newMark()
        var variables = spec.environment
        variables[ProcessOwnership.variable] = mark
        let environment = variables.map { "\($0.key)=\($0.value)" }
        let executable = resolveExecutable(spec.executable, path: spec.environment["PATH"])
        var pid: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                gantry_spawn(executable, argv, envp, spec.workingDirectory, outPipe[1], errPipe[1], &pid)
            }
        }
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw InfrastructureError(
                "cannot start '\(spec.executable)' in \(spec.workingDirectory): \(String(cString: strerror(rc)))")
        }
        let pidfd = gantry_pidfd_open(pid)
        return Child(pid: pid, stdout: outPipe[0], stderr: errPipe[0], pidfd: pidfd, mark: mark)
    }

    private func supervise(
        _ child: Child, timeout: Duration, cancellations: [CancellationFlag],
        onOutput: @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void
    ) -> ProcessOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var killAt: ContinuousClock.Instant? = nil
        var sentKill = false
        var timedOut = false
        var cancelled = false
        var mainStatus: Int32? = nil
        var open: [(Int32, ProcessStream)] = [(child.stdout, .stdout), (child.stderr, .stderr)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer {
            buffer.deallocate()
            for (fd, _) in open { close(fd) }
            if child.pidfd >= 0 { close(child.pidfd) }
        }

        // Descendants that left the group (setsid) and were re-parented to us: signalled with the group.
        var strays: Set<pid_t> = []
        func signalStrays(_ signal: Int32) {
            for pid in ProcessOwnership.strays(of: child.mark) {
                strays.insert(pid)
                // A stray that called setsid leads a group of its own: signal that group too.
                _ = gantry_kill_group(pid, signal)
                kill(pid, signal)
            }
            _ = strays.map { gantry_try_wait($0, nil) }
            strays = strays.filter { kill($0, 0) == 0 }
        }

        func terminate(now: ContinuousClock.Instant) {
            guard killAt == nil else { return }
            _ = gantry_kill_group(child.pid, SIGTERM)
            signalStrays(SIGTERM)
            killAt = now.advanced(by: killGrace)
        }

        while true {
            let now = clock.now
            if mainStatus == nil {
                var raw: Int32 = 0
                switch gantry_try_wait(child.pid, &raw) {
                case 1:
                    mainStatus = gantry_decode_status(raw)
                    // The main process is gone: stop whatever it left running, in its group or not.
                    if gantry_kill_group(child.pid, 0) == 0 || !ProcessOwnership.strays(of: child.mark).isEmpty {
                        terminate(now: now)
                    }
                case 0: break
                default:
                    // Not our child any more (reaped elsewhere): its status is lost; never spin on it.
                    mainStatus = -SIGKILL
                }
            }
            if mainStatus == nil && !timedOut && !cancelled {
                if now >= deadline {
                    timedOut = true
                    terminate(now: now)
                } else if cancellations.contains(where: \.isCancelled) {
                    cancelled = true
                    terminate(now: now)
                }
            }
            if let killAt, now >= killAt, !sentKill {
                _ = gantry_kill_group(child.pid, SIGKILL)
                signalStrays(SIGKILL)
                sentKill = true
            }
            // While terminating, descendants keep being re-parented to us as their parents die.
            if killAt != nil { signalStrays(sentKill ? SIGKILL : SIGTERM) }
            // Reap leftovers only once the main process's own status is collected, or it could be lost.
            if killAt != nil && mainStatus != nil { _ = gantry_reap_group(child.pid) }
            if mainStatus != nil && open.isEmpty {
                // Pipes closed; wait for any group member or stray that closed its output but still runs.
                let groupGone = gantry_kill_group(child.pid, 0) != 0
                if groupGone && strays.isEmpty && ProcessOwnership.strays(of: child.mark).isEmpty { break }
                if killAt == nil { terminate(now: now) }
                if sentKill {
                    _ = gantry_reap_group(child.pid)
                    if gantry_kill_group(child.pid, 0) != 0 && strays.isEmpty { break }
                }
                usleep(10_000)
                continue
            }
            // Output still open after the main process ended: a stray may hold it.
            if mainStatus != nil && killAt == nil && !ProcessOwnership.strays(of: child.mark).isEmpty {
                terminate(now: now)
            }

            var fds = open.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
            let pidIndex = fds.count
            if mainStatus == nil && child.pidfd >= 0 {
                fds.append(pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0))
            }
            var waitMs: Int64 = 100
            if mainStatus == nil && !timedOut {
                waitMs = min(waitMs, max(0, (deadline - now).milliseconds + 1))
            }
            if let killAt, !sentKill { waitMs = min(waitMs, max(0, (killAt - now).milliseconds + 1)) }
            if child.pidfd < 0 && mainStatus == nil { waitMs = min(waitMs, 10) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(waitMs))
            if ready < 0 && errno != EINTR { usleep(1000) }
            guard ready > 0 else { continue }
            var closed: [Int32] = []
            for index in 0..<min(pidIndex, fds.count) where fds[index].revents != 0 {
                let fd = fds[index].fd
                let count = read(fd, buffer.baseAddress, chunkSize)
                if count > 0 {
                    onOutput(open[index].1, UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    closed.append(fd)
                }
            }
            for fd in closed {
                close(fd)
                open.removeAll { $0.0 == fd }
            }
        }
        let status = mainStatus ?? -Int32(SIGKILL)
        return ProcessOutcome(
            exitCode: status >= 0 ? status : nil, signal: status < 0 ? -status : nil, timedOut: timedOut,
            cancelled: cancelled)
    }

    private func resolveExecutable(_ name: String, path: String?) -> String {
        ExecutableLookup.resolve(name, path: path) ?? name
    }
}

package func errnoText() -> String { String(cString: strerror(errno)) }

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { buffer in
        // posix_spawn takes `char *const[]`; the strings are not modified.
        body(buffer.baseAddress!)
    }
}
