import Foundation
import Logging
import Processes
import ServiceLifecycle
import StateModel
import Synchronization

/// Takes queued runs and executes them, `workers` at a time, as a service of the server's group. On
/// graceful shutdown (SIGTERM) it takes nothing new, lets the runs under way finish within the grace
/// period, then cancels them (their processes are stopped) and returns.
final class RunWorker: Service, Sendable {
    let services: ServerServices
    let logger: Logger
    private let stopping = Atomic<Bool>(false)

    init(services: ServerServices, logger: Logger) {
        self.services = services
        self.logger = logger
    }

    func run() async throws {
        let grace = services.configuration.shutdownGrace
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for _ in 0..<self.services.configuration.workers {
                    group.addTask { await self.loop() }
                }
            }
            // Deployments started through the API end (or are stopped) before the server does.
            await self.services.releases.drain(grace: grace)
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .sequentiallyConsistent)
            self.services.queueSignal.notify()
            let running = self.services.running
            let logger = self.logger
            Task.detached {
                try? await Task.sleep(for: grace)
                let count = running.cancelAll()
                if count > 0 { logger.warning("cancelled \(count) run(s) still going after the grace period") }
            }
        }
    }

    private func loop() async {
        let executor = QueuedRunExecutor(services: services, logger: logger)
        while !stopping.load(ordering: .sequentiallyConsistent) && !Task.isCancelled {
            let entry: QueuedRun?
            do {
                entry = try await services.state.claimQueuedRun(at: Date())
            } catch {
                logger.error("cannot read the run queue", metadata: ["error": "\(error)"])
                entry = nil
            }
            guard let entry else {
                await services.queueSignal.wait(timeout: .seconds(2))
                continue
            }
            let flag = CancellationFlag()
            services.running.add(entry.id, flag)
            await withTaskCancellationHandler {
                await executor.execute(entry, cancellation: flag)
            } onCancel: {
                flag.cancel()
            }
            services.running.remove(entry.id)
        }
    }
}
