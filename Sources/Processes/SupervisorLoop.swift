import CGantrySystem
import Foundation
import GantryCore
import Synchronization

/// A thread that starts and supervises child processes: each child's pipes and pidfd are on the loop's
/// epoll set, and its timers (timeout, kill grace) set how long the loop waits. There is a small fixed
/// group of them (one per core), whatever the number of children.
///
/// Children are started from this thread, which never exits: the kernel's parent-death signal
/// (PR_SET_PDEATHSIG) follows the thread that started a child, so it fires only when Gantry itself
/// dies. A loop serves a thousand children as well as one (a thread per child cost more than a no-op
/// step). Output callbacks run on this thread, in order per stream; they must not wait for
/// another child.
final class SupervisorLoop: Sendable {
    /// One loop per core (at least two): a start blocks its loop until the child has exec'd, so starts
    /// on different loops overlap, as output handling of different children does.
    private static let group = (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map { _ in SupervisorLoop() }
    private static let turn = Atomic<Int>(0)

    /// The loop the next child goes to (in turn).
    static var next: SupervisorLoop {
        group[turn.add(1, ordering: .relaxed).newValue % group.count]
    }

    /// A child to start, and whom to tell how it ended.
    struct Request: Sendable {
        var spec: ProcessSpec
        var timeout: Duration
        var cancellations: [CancellationFlag]
        var killGrace: Duration
        var chunkSize: Int
        var onOutput: @Sendable (ProcessStream, UnsafeRawBufferPointer) -> Void
        /// Called once, on the loop's thread: the outcome, or why the child could not start.
        var completion: @Sendable (Result<ProcessOutcome, any Error>) -> Void
    }

    private let epoll: Int32
    private let wake: Int32
    private let waiting = Mutex<[Request]>([])
    /// Why the loop could not be set up (no epoll or eventfd): every request then fails with it.
    private let failure: String?
    private static let wakeToken = UInt64.max
    /// The name of the loops' threads.
    static let threadName = "gantry-process"
    private static let readSize = 64 * 1024

    private init() {
        epoll = gantry_epoll_create()
        wake = gantry_eventfd()
        guard epoll >= 0, wake >= 0, gantry_epoll_add(epoll, wake, Self.wakeToken) == 0 else {
            failure = "cannot set up the process supervisor (epoll/eventfd): \(errnoText())"
            return
        }
        failure = nil
        let thread = Thread { [self] in
            // Named from the thread itself (at most 15 bytes): `ps -L`, `top -H` and tests tell it apart.
            gantry_name_thread(Self.threadName)
            // SIGCHLD is ignored by default, but only discarded when the forking thread does not block
            // it; blocked here (as the threads it is created from block it), each child's exit woke
            // the main thread instead.
            _ = gantry_unblock_child_signal()
            loop()
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Starts `request`'s child on the loop; `completion` is called when it has ended.
    func submit(_ request: Request) {
        if let failure {
            request.completion(.failure(InfrastructureError(failure)))
            return
        }
        waiting.withLock { $0.append(request) }
        gantry_eventfd_signal(wake)
    }

    private func loop() {
        var children: [UInt64: SupervisedChild] = [:]
        var nextID: UInt64 = 1
        var tokens = [UInt64](repeating: 0, count: 64)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
        let clock = ContinuousClock()
        while true {
            var timeout: Int32 = -1
            if let soonest = children.values.lazy.map(\.wakeAt).min() {
                // Rounded up: waking a little late is harmless, early would spin.
                let left = (soonest - clock.now).components
                let milliseconds =
                    left.seconds * 1000 + (left.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                timeout = Int32(clamping: max(0, milliseconds))
            }
            let count = tokens.withUnsafeMutableBufferPointer {
                gantry_epoll_wait(epoll, $0.baseAddress, Int32($0.count), timeout)
            }
            if count < 0 { usleep(1000) }
            var touched: Set<UInt64> = []
            for token in tokens.prefix(Int(max(0, count))) {
                if token == Self.wakeToken {
                    gantry_eventfd_drain(wake)
                    for request in waiting.withLock({ requests in
                        defer { requests = [] }
                        return requests
                    }) {
                        do {
                            let started = try Self.spawn(request.spec)
                            children[nextID] = SupervisedChild(
                                request, started: started, id: nextID, epoll: epoll, now: clock.now)
                            touched.insert(nextID)
                            nextID += 1
                        } catch {
                            request.completion(.failure(error))
                        }
                    }
                    continue
                }
                let id = token >> 2
                guard let child = children[id], let descriptor = SupervisedChild.Descriptor(rawValue: token & 3)
                else { continue }
                child.ready(descriptor, buffer: buffer)
                touched.insert(id)
            }
            let now = clock.now
            var finished: [(UInt64, ProcessOutcome)] = []
            for (id, child) in children where touched.contains(id) || child.wakeAt <= now {
                if let outcome = child.advance(now: now) { finished.append((id, outcome)) }
            }
            for (id, outcome) in finished {
                guard let child = children.removeValue(forKey: id) else { continue }
                child.closeAll()
                child.request.completion(.success(outcome))
            }
        }
    }

    /// Starts `spec` in its own process group with its output on two pipes (from the loop's thread).
    private static func spawn(_ spec: ProcessSpec) throws -> SupervisedChild.Started {
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
        let executable = ExecutableLookup.resolve(spec.executable, path: spec.environment["PATH"]) ?? spec.executable
        var pid: pid_t = 0
        let rc = CStringArray.with(arguments) { argv in
            CStringArray.withEnvironment(spec.environment, adding: (ProcessOwnership.variable, mark)) { envp in
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
        return SupervisedChild.Started(
            pid: pid, stdout: outPipe[0], stderr: errPipe[0], pidfd: gantry_pidfd_open(pid), mark: mark)
    }
}
