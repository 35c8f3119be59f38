import Dispatch
import Foundation
import Synchronization

/// Long-lived threads that start and supervise children, reused from one child to the next.
///
/// A child must be started from the thread that supervises it (the kernel's parent-death signal
/// follows the starting thread), and supervision blocks that thread for the child's lifetime. A new
/// thread per child cost more than a no-op step itself; these threads never exit, so a child's
/// parent-death signal still fires only when Gantry dies, and there are never more of them than
/// children that ran at the same time.
final class SupervisorThreads: Sendable {
    static let shared = SupervisorThreads()

    /// One thread, waiting on its semaphore for the next body when idle.
    private final class Worker: Sendable {
        let wake = DispatchSemaphore(value: 0)
        let next = Mutex<(@Sendable () -> Void)?>(nil)
    }

    private let idle = Mutex<[Worker]>([])
    static let stackSize = 256 * 1024

    /// Runs `body` on an idle thread, or on a new one when every thread is busy.
    func run(_ body: @escaping @Sendable () -> Void) {
        if let worker = idle.withLock({ $0.popLast() }) {
            worker.next.withLock { $0 = body }
            worker.wake.signal()
            return
        }
        let worker = Worker()
        worker.next.withLock { $0 = body }
        let thread = Thread { [self] in loop(worker) }
        thread.stackSize = Self.stackSize
        thread.start()
    }

    private func loop(_ worker: Worker) {
        while true {
            if let body = worker.next.withLock({ next -> (@Sendable () -> Void)? in
                defer { next = nil }
                return next
            }) {
                body()
            }
            idle.withLock { $0.append(worker) }
            worker.wake.wait()
        }
    }
}
