import Foundation

/// One thread that runs a pipeline run's tasks: the scheduler, its jobs and their steps.
///
/// On the shared pool, each step's end and each job's end handed the work from one pool thread to
/// another (a wake-up and a context switch, costly on small virtual machines, several times per
/// job). Here they queue on one thread. The run's CPU-heavy work does not run here: hashing,
/// packing and scanning go to `BlockingWork` threads, output is split and masked on the supervisor
/// threads, database writes run on the store's queue, and steps run in their own processes.
///
/// Code running here must not block waiting for another task of the run (nothing in the engine
/// does: waits are `await`s). The thread ends when the run calls `finish()` and nothing is queued;
/// a task enqueued after that starts it again, so no work is ever stranded.
final class RunExecutor: TaskExecutor, @unchecked Sendable {
    // Invariant for `@unchecked Sendable`: the mutable state is only touched under `condition`.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var finished = false
    private var threadRunning = false

    /// The name of the thread (`ps -L`, `top -H`).
    static let threadName = "gantry-run"

    func enqueue(_ job: UnownedJob) {
        condition.lock()
        queue.append(job)
        if threadRunning {
            condition.signal()
        } else {
            threadRunning = true
            startThread()
        }
        condition.unlock()
    }

    /// Lets the thread end once nothing is queued (the run's tasks are done).
    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func startThread() {
        let thread = Thread { [self] in
            // Named from the thread itself: Foundation names the OS thread only then.
            Thread.current.name = Self.threadName
            work()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while queue.isEmpty && !finished { condition.wait() }
            if queue.isEmpty {
                threadRunning = false
                condition.unlock()
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor) }
        }
    }
}
