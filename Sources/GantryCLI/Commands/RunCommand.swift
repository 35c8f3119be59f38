import ArgumentParser
import Composition
import Engine
import Foundation
import GantryCore
import Processes

/// `gantry run`: execute a pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline.",
        discussion: """
            Exit status: 0 every job succeeded (or was skipped/cached), 1 a job failed or the run was cancelled, \
            2 bad input (pipeline file, flags, secrets), 3 Gantry could not work (disk, database, processes).
            """)

    @OptionGroup var pipeline: PipelineFileOption

    @Option(name: .customLong("job"), help: "Run only this job (id or expanded name) and what it needs. Repeatable.")
    var jobs: [String] = []

    @Option(help: "Apply path filters to the files changed since this git ref.")
    var since: String?

    @Option(name: .customLong("changed-files"), help: "Apply path filters to the files listed in this file.")
    var changedFiles: String?

    @Option(help: "Run at most this many jobs at once (default: number of cores).")
    var parallel: Int?

    @Flag(
        name: .customLong("skip-unsupported"),
        help: ArgumentHelp(
            "Skip what a workflow needs but this machine cannot run (containers, macOS or Windows runners, "
                + "unavailable actions) instead of refusing the run."))
    var skipUnsupported = false

    @Flag(name: .customLong("no-cache"), help: "Do not restore or save caches, and ignore build avoidance.")
    var noCache = false

    @OptionGroup var secretOptions: SecretOptions

    @Option(
        name: .customLong("kill-grace"),
        help: "Time between SIGTERM and SIGKILL when a step times out or the run is cancelled.")
    var killGrace: String = "5s"

    @Flag(help: "Print one JSON object with the run's result at the end (progress goes to stderr).")
    var json = false

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1 (got \(parallel))") }
    }

    func run() async throws {
        let file = try pipeline.resolved()
        let environment = ProcessInfo.processInfo.environment
        let secrets = try secretOptions.load(environment: environment)

        let services = StateLocation.services
        var options = services.runOptions(file: file)
        options.selectedJobs = jobs
        options.changedFiles = try await ChangedFiles.resolve(
            since: since, changedFilesPath: changedFiles, pipelineFile: file)
        if let parallel { options.parallel = parallel }
        options.useCache = !noCache
        options.skipUnsupported = skipUnsupported
        options.variables = try pipeline.variables()
        options.githubEvent = pipeline.event
        options.githubEventPayload = try pipeline.eventPayload()
        options.secrets = secrets
        do {
            options.killGrace = try DurationParser.parse(killGrace)
        } catch {
            throw InputError("--kill-grace: \(error.description)")
        }

        let cancellation = CancellationFlag()
        let signals = SignalTrap(cancellation: cancellation)
        defer { signals.release() }
        let console = ConsoleReporter.forEnvironment(environment, fd: json ? 2 : 1)
        let result = try await services.pipelineRunner(options: options, observer: console, cancellation: cancellation)
            .run()
        if json { Terminal.printOut(Terminal.json(RunCommand.jsonObject(result))) }
        if result.status != .success { throw CommandExit(status: .failure) }
    }

    static func jsonObject(_ result: RunResult) -> [String: Any] {
        [
            "run": result.runID, "correlation": result.correlation, "status": result.status.rawValue,
            "duration_ms": result.durationMs, "logs": result.logDirectory,
            "jobs": result.jobs.map { job -> [String: Any] in
                var entry: [String: Any] = [
                    "name": job.name, "status": job.status.rawValue, "attempts": job.attempts,
                    "duration_ms": job.durationMs,
                    "retried": job.retried, "outputs": job.outputs,
                ]
                if let reason = job.reason { entry["reason"] = reason }
                if let cache = job.cache { entry["cache"] = cache }
                if job.continueOnError { entry["continue_on_error"] = true }
                return entry
            },
        ]
    }
}
