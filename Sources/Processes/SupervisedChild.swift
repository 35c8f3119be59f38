import CGantrySystem
import Foundation
import GantryCore

/// One child on the supervisor loop, from its start to the moment nothing it started is left: its
/// pipes and pidfd on the loop's epoll set, its timeout and cancellation, the SIGTERM-then-SIGKILL of
/// its whole process group, and the descendants that left the group (`setsid`) and were re-parented
/// to Gantry. Used only on the loop's thread.
final class SupervisedChild {
    struct Started {
        var pid: pid_t
        var stdout: Int32
        var stderr: Int32
        var pidfd: Int32
        /// `GANTRY_OWNER` of this child and its descendants.
        var mark: String
    }

    /// What the loop learns from a descriptor's token: which child, and which of its descriptors.
    enum Descriptor: UInt64 {
        case stdout = 0
        case stderr = 1
        case exit = 2
    }

    let request: SupervisorLoop.Request
    private let child: Started
    private let epoll: Int32
    private let deadline: ContinuousClock.Instant
    private var killAt: ContinuousClock.Instant?
    private var sentKill = false
    private var timedOut = false
    private var cancelled = false
    private var mainStatus: Int32?
    /// Output pipes still open.
    private var open: [(fd: Int32, stream: ProcessStream)]
    private var pidfd: Int32
    /// Descendants that left the group and were re-parented to Gantry: signalled with the group.
    private var strays: Set<pid_t> = []
    /// When the main process was reaped, its group was empty and nothing carrying its mark had been
    /// re-parented to Gantry: its whole tree had ended. Nothing can join it later (a process is
    /// re-parented only when its parent dies, and it had none left), so it is not looked for again.
    private var treeGone = false
    /// When the loop must look at this child again even if none of its descriptors is ready.
    private(set) var wakeAt: ContinuousClock.Instant

    init(
        _ request: SupervisorLoop.Request, started child: Started, id: UInt64, epoll: Int32,
        now: ContinuousClock.Instant
    ) {
        self.request = request
        self.child = child
        self.epoll = epoll
        deadline = now.advanced(by: request.timeout)
        open = [(child.stdout, .stdout), (child.stderr, .stderr)]
        pidfd = child.pidfd
        wakeAt = now
        // A descriptor the epoll set refuses (out of memory, in practice never) is not waited on: a
        // pipe is closed (its writer gets EPIPE, nothing hangs), a pidfd falls back to polling.
        for (fd, descriptor) in [(child.stdout, Descriptor.stdout), (child.stderr, .stderr)]
        where gantry_epoll_add(epoll, fd, Self.token(id, descriptor)) != 0 {
            Foundation.close(fd)
            open.removeAll { $0.fd == fd }
        }
        if pidfd >= 0, gantry_epoll_add(epoll, pidfd, Self.token(id, .exit)) != 0 {
            Foundation.close(pidfd)
            pidfd = -1
        }
    }

    static func token(_ id: UInt64, _ descriptor: Descriptor) -> UInt64 { id << 2 | descriptor.rawValue }

    /// One of its descriptors is ready: output is read (one chunk) and handed on; end of output closes
    /// the pipe; the pidfd says the main process ended (its status is collected by `advance`).
    func ready(_ descriptor: Descriptor, buffer: UnsafeMutableRawBufferPointer) {
        guard descriptor != .exit else {
            closePidfd()
            return
        }
        let stream: ProcessStream = descriptor == .stdout ? .stdout : .stderr
        guard let index = open.firstIndex(where: { $0.stream == stream }) else { return }
        let fd = open[index].fd
        let count = read(fd, buffer.baseAddress, min(buffer.count, request.chunkSize))
        if count > 0 {
            request.onOutput(stream, UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            _ = gantry_epoll_remove(epoll, fd)
            Foundation.close(fd)
            open.remove(at: index)
        }
    }

    /// Moves the child on at `now`: collects the main process's status, fires the timeout or the
    /// cancellation, escalates to SIGKILL, stops strays. Returns the outcome once the process, its
    /// group and its strays are all gone and its output is closed.
    func advance(now: ContinuousClock.Instant) -> ProcessOutcome? {
        if mainStatus == nil {
            var raw: Int32 = 0
            switch gantry_try_wait(child.pid, &raw) {
            case 1:
                mainStatus = gantry_decode_status(raw)
                closePidfd()
                // The main process is gone: stop whatever it left running, in its group or not.
                if gantry_kill_group(child.pid, 0) == 0 || !ProcessOwnership.strays(of: child.mark).isEmpty {
                    terminate(now: now)
                } else {
                    treeGone = true
                }
            case 0: break
            default:
                // Not our child any more (reaped elsewhere): its status is lost; never spin on it.
                mainStatus = -SIGKILL
                closePidfd()
            }
        }
        if mainStatus == nil && !timedOut && !cancelled {
            if now >= deadline {
                timedOut = true
                terminate(now: now)
            } else if request.cancellations.contains(where: \.isCancelled) {
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
            // Output closed; wait for any group member or stray that closed its output but still runs.
            if treeGone { return outcome }
            let groupGone = gantry_kill_group(child.pid, 0) != 0
            if groupGone && strays.isEmpty && ProcessOwnership.strays(of: child.mark).isEmpty { return outcome }
            if killAt == nil { terminate(now: now) }
            if sentKill {
                _ = gantry_reap_group(child.pid)
                if gantry_kill_group(child.pid, 0) != 0 && strays.isEmpty { return outcome }
            }
            wakeAt = now.advanced(by: .milliseconds(10))
            return nil
        }
        // Output still open after the main process ended: a stray may hold it.
        if mainStatus != nil && killAt == nil && !treeGone && !ProcessOwnership.strays(of: child.mark).isEmpty {
            terminate(now: now)
        }
        // Cancellation is a flag, looked at ten times a second; timers are exact.
        var next = now.advanced(by: .milliseconds(100))
        if mainStatus == nil && !timedOut { next = min(next, deadline) }
        if let killAt, !sentKill { next = min(next, killAt) }
        if pidfd < 0 && mainStatus == nil { next = min(next, now.advanced(by: .milliseconds(10))) }
        wakeAt = next
        return nil
    }

    /// Closes what is still open (the loop calls it when the child is done).
    func closeAll() {
        for (fd, _) in open {
            _ = gantry_epoll_remove(epoll, fd)
            Foundation.close(fd)
        }
        open = []
        closePidfd()
    }

    private var outcome: ProcessOutcome {
        let status = mainStatus ?? -Int32(SIGKILL)
        return ProcessOutcome(
            exitCode: status >= 0 ? status : nil, signal: status < 0 ? -status : nil, timedOut: timedOut,
            cancelled: cancelled)
    }

    private func closePidfd() {
        guard pidfd >= 0 else { return }
        _ = gantry_epoll_remove(epoll, pidfd)
        Foundation.close(pidfd)
        pidfd = -1
    }

    private func terminate(now: ContinuousClock.Instant) {
        guard killAt == nil else { return }
        _ = gantry_kill_group(child.pid, SIGTERM)
        signalStrays(SIGTERM)
        killAt = now.advanced(by: request.killGrace)
    }

    private func signalStrays(_ signal: Int32) {
        for pid in ProcessOwnership.strays(of: child.mark) {
            strays.insert(pid)
            // A stray that called setsid leads a group of its own: signal that group too.
            _ = gantry_kill_group(pid, signal)
            kill(pid, signal)
        }
        _ = strays.map { gantry_try_wait($0, nil) }
        strays = strays.filter { kill($0, 0) == 0 }
    }
}
