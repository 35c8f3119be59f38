import Composition
import Engine
import Foundation
import GantryCore
import Logging
import Processes
import StateModel
import Synchronization

/// Runs one queued entry: checks its exact commit out into a worktree of its own, runs the project's
/// pipeline there with the same engine as `gantry run` (state, caches and artifacts in the server's
/// data directory), records the outcome on the queue entry, and removes the worktree.
struct QueuedRunExecutor: Sendable {
    let services: ServerServices
    let logger: Logger

    /// Runs `entry` until it ends or `cancellation` is set (the run is then recorded `cancelled`).
    func execute(_ entry: QueuedRun, cancellation: CancellationFlag) async {
        var logger = logger
        logger[metadataKey: "queue"] = .string(entry.id)
        logger[metadataKey: "project"] = .string(entry.project)
        guard let project = services.configuration.project(entry.project) else {
            await close(entry, .failed, "project \(entry.project) is no longer configured", logger: logger)
            return
        }
        let checkout = GitCheckout(project: project, dataDirectory: services.dataDirectory, cancellation: cancellation)
        let worktree = services.dataDirectory.appendingPathComponent("worktrees/\(entry.id)")
        await run(
            entry, project: project, checkout: checkout, worktree: worktree, cancellation: cancellation, logger: logger)
        // Removed before the worker takes the next entry (and before a shutdown completes).
        await checkout.remove(worktree)
    }

    private func run(
        _ entry: QueuedRun, project: ProjectConfiguration, checkout: GitCheckout, worktree: URL,
        cancellation: CancellationFlag, logger: Logger
    ) async {
        do {
            try await checkout.checkout(commit: entry.commitSHA, into: worktree)
        } catch {
            await close(entry, .failed, "checkout failed: \(error)", logger: logger)
            return
        }
        let pipelineFile = worktree.appendingPathComponent(project.pipeline)
        guard FileManager.default.fileExists(atPath: pipelineFile.path) else {
            await close(
                entry, .failed, "\(project.pipeline) does not exist at commit \(entry.commitSHA)", logger: logger)
            return
        }
        var options = services.gantry.runOptions(file: pipelineFile.path)
        // A server's run is CI: a template that can change under the pipeline is refused.
        options.requirePinnedTemplates = true
        options.project = project.name
        if let ref = entry.ref, ref.hasPrefix("refs/heads/") { options.branch = String(ref.dropFirst(11)) }
        options.event = LocalTrigger.source(forEvent: entry.event)
        // A workflow's github.event_name and its on.<event> branch filters follow the webhook's event.
        if ["push", "pull_request", "merge_request"].contains(entry.event) {
            options.githubEvent = entry.event == "merge_request" ? "pull_request" : entry.event
        }
        // Path filters: the files the event listed, else what git says changed since its base commit,
        // else none (every job runs).
        if let files = entry.changedFiles {
            options.changedFiles = files
        } else if let base = entry.baseSHA {
            options.changedFiles = await checkout.changedFiles(from: base, to: entry.commitSHA)
        }
        options.parallel = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, services.configuration.workers))
        // Jobs inherit the server's environment without its secrets; run secrets are injected (and masked)
        // by the engine as with `gantry run`.
        let hidden = services.configuration.secretEnvironmentNames
        options.baseEnvironment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("GANTRY_SECRET_") && !hidden.contains($0.key)
        }
        options.secrets = services.configuration.runSecrets
        let observer = QueueObserver(state: services.state, queueID: entry.id, live: services.liveLogs, logger: logger)
        do {
            let result = try await services.gantry.pipelineRunner(
                options: options, observer: observer, cancellation: cancellation
            ).run()
            services.metrics.runFinished(
                status: result.status.rawValue, jobSeconds: result.jobs.map { Double($0.durationMs) / 1000 },
                retriesExhausted: result.jobs.filter { $0.status == .retriesExhausted }.count)
            let status: QueuedRun.Status = result.status == .cancelled ? .cancelled : .finished
            await close(entry, status, "run \(result.runID): \(result.status)", logger: logger)
        } catch {
            services.metrics.runFinished(status: "error", jobSeconds: [], retriesExhausted: 0)
            await close(entry, .failed, "\(error)", logger: logger)
        }
    }

    private func close(_ entry: QueuedRun, _ status: QueuedRun.Status, _ detail: String, logger: Logger) async {
        logger.info("queued run closed", metadata: ["status": .string(status.rawValue), "detail": .string(detail)])
        do {
            _ = try await services.state.closeQueuedRun(id: entry.id, status: status, detail: detail, at: Date())
        } catch {
            logger.error("could not record the end of a queued run", metadata: ["error": "\(error)"])
        }
    }
}

/// Links the queue entry to its run as soon as the engine has recorded it, and hands the run's
/// (masked) output to the dashboard's live view.
private final class QueueObserver: RunObserver, Sendable {
    let state: any StateRepositories
    let queueID: String
    let live: LiveLogs
    let logger: Logger
    private let runID = Mutex<String?>(nil)

    init(state: any StateRepositories, queueID: String, live: LiveLogs, logger: Logger) {
        self.state = state
        self.queueID = queueID
        self.live = live
        self.logger = logger
    }

    func runStarted(runID: String, jobs: [String]) {
        self.runID.withLock { $0 = runID }
        live.publish(runID: runID, job: "", stream: "event", lines: [])
        let state = state
        let queueID = queueID
        let logger = logger
        Task {
            do {
                try await state.attachRun(queueID: queueID, runID: runID)
            } catch {
                logger.error("could not link the queued run to its run", metadata: ["run": .string(runID)])
            }
        }
    }

    func jobStarted(_ name: String) {
        guard let runID = runID.withLock({ $0 }) else { return }
        live.publish(runID: runID, job: name, stream: "event", lines: ["▶ \(name) started"], state: "running")
    }

    func jobRetrying(_ name: String, attempt: Int, delay: Duration, reason: String) {
        guard let runID = runID.withLock({ $0 }) else { return }
        live.publish(
            runID: runID, job: name, stream: "event", lines: ["↻ \(name): attempt \(attempt) (\(reason))"],
            state: "running")
    }

    func jobFinished(_ result: JobResult) {
        guard let runID = runID.withLock({ $0 }) else { return }
        live.publish(
            runID: runID, job: result.name, stream: "event", lines: ["■ \(result.name): \(result.status)"],
            state: result.status.rawValue)
    }

    func outputLines(job: String, stream: ProcessStream, _ lines: LineBatch) {
        guard let runID = runID.withLock({ $0 }) else { return }
        var texts: [String] = []
        lines.forEachLine { texts.append(String(decoding: $0, as: UTF8.self)) }
        live.publish(runID: runID, job: job, stream: stream.rawValue, lines: texts)
    }

    func runFinished(_ result: RunResult) { live.finish(runID: result.runID) }
}
