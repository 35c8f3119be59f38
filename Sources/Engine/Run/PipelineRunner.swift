import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel

/// Runs a pipeline file end to end: validate, plan, schedule, record.
public struct PipelineRunner: Sendable {
    public var options: RunOptions
    /// The state store runs are recorded in, opened by the composition root once the pipeline file is
    /// known to be valid (a bad file creates no state).
    public var store: @Sendable () throws -> any StateRepositories
    /// Where cache snapshots and job artifacts are kept.
    public var snapshots: SnapshotStore
    public var observer: any RunObserver
    public var cancellation: CancellationFlag
    /// The actions `uses: gantry/<name>` may name (the composition root registers the built-in ones).
    public var actions: ActionRegistry

    public init(
        options: RunOptions, store: @escaping @Sendable () throws -> any StateRepositories, snapshots: SnapshotStore,
        observer: any RunObserver = SilentObserver(), cancellation: CancellationFlag = CancellationFlag(),
        actions: ActionRegistry = ActionRegistry()
    ) {
        self.options = options
        self.store = store
        self.snapshots = snapshots
        self.observer = observer
        self.cancellation = cancellation
        self.actions = actions
    }

    /// Runs the pipeline. Throws `DiagnosticsError` / `InputError` for bad input (nothing is recorded
    /// then) and `InfrastructureError` / `StoreError` when Gantry itself cannot work.
    public func run() async throws -> RunResult {
        let masker = SecretMasker(secrets: Array(options.secrets.values))
        do {
            return try await runUnmasked(masker: masker)
        } catch let error as DiagnosticsError {
            throw error
        } catch let error as any GantryError {
            // Error messages may quote a value from a step or a file; never let a secret through.
            throw MaskedError(message: masker.mask(error.description), exitStatus: error.exitStatus)
        } catch {
            throw MaskedError(message: masker.mask("\(error)"), exitStatus: .infrastructure)
        }
    }

    private func runUnmasked(masker: SecretMasker) async throws -> RunResult {
        var definition = try await LocalTrigger.loadPipeline(
            path: options.file, branch: options.branch, source: options.event ?? "push",
            changedFiles: options.changedFiles, variables: options.variables,
            requirePinnedTemplates: options.requirePinnedTemplates,
            actionsDirectory: options.baseEnvironment["GANTRY_ACTIONS"].map { URL(fileURLWithPath: $0) },
            gitLabProjects: options.baseEnvironment["GANTRY_GITLAB_PROJECTS"].map { URL(fileURLWithPath: $0) },
            githubEvent: options.githubEvent)
        if !definition.unsupported.isEmpty {
            guard options.skipUnsupported else {
                throw DiagnosticsError(
                    definition.unsupported.map {
                        Diagnostic($0.location, .error, "\($0.message) (nothing was run)")
                    })
            }
            for construct in definition.unsupported {
                observer.warning("\(construct.location): skipped: \(construct.message)")
            }
            definition.skipUnsupported()
        }
        for warning in definition.warnings { observer.warning("\(warning.location): \(warning.message)") }
        let actionProblems = ActionValidator(registry: actions).diagnostics(for: definition)
        if !actionProblems.isEmpty { throw DiagnosticsError(actionProblems) }
        let workspace = PipelineFormat.workspace(forFile: options.file).standardizedFileURL
        // Each of these starts a few short processes (git, bash --version): run them side by side.
        async let headInfo = GitInfo.head(in: workspace)
        async let uncommittedInfo = GitInfo.uncommittedChanges(in: workspace, stateDirectory: options.stateDirectory)
        async let toolInfo = AvoidanceKey.Toolchain.current(options: options)
        let (sha, headBranch) = await headInfo
        let branch = options.branch ?? headBranch
        let uncommitted = await uncommittedInfo
        let runID = RunID.make().value
        let correlation = CorrelationID.make()
        let plan = try Planner(
            changedFiles: options.changedFiles, selectedJobs: options.selectedJobs,
            runContext: ["id": runID, "correlation": correlation, "sha": sha ?? "", "branch": branch ?? ""]
        ).plan(definition)
        try checkSecrets(definition, plan: plan)

        let logDirectory = options.stateDirectory.appendingPathComponent("logs/\(runID)")
        let temporaryDirectory = options.stateDirectory.appendingPathComponent("tmp/\(runID)")
        do {
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: temporaryDirectory, withIntermediateDirectories: true)
        } catch {
            throw InfrastructureError("cannot create \(logDirectory.path): \(FileErrorText.describe(error))")
        }
        defer { try? FileManager.default.removeItem(at: temporaryDirectory) }
        let store = try self.store()
        let runner = ProcessRunner(killGrace: options.killGrace)
        let toolchain = await toolInfo
        let toolVersions = toolchain.toolVersions
        var environment = RunEnvironment(
            definition: definition, runID: runID, correlation: correlation, sha: sha, branch: branch,
            workspace: workspace,
            stateDirectory: options.stateDirectory, logDirectory: logDirectory, temporaryDirectory: temporaryDirectory,
            options: options, masker: masker, runner: runner,
            snapshots: snapshots, actions: actions,
            executor: LocalJobExecutor(processes: runner, actions: actions, masker: masker, observer: observer),
            cancellation: cancellation, observer: observer, fileDigests: FileDigestCache(store: store),
            toolchain: toolchain,
            uncommittedChanges: uncommitted)
        environment.github = GitHubRunnerContext(environment: environment)

        let clock = ContinuousClock()
        let started = clock.now
        try await store.beginRun(
            RunRecord(
                id: runID, correlation: correlation, pipelineName: definition.name, pipelineFile: options.file,
                pipelineDigest: definition.fileDigest.description, status: .running,
                startedAt: Date(),
                commitSHA: sha, branch: branch, toolVersions: toolVersions, owner: .current,
                uncommittedChanges: uncommitted, project: options.project))
        let scheduled = plan.jobs.filter { $0.decision != .skip(.notSelected) }
        // The DAG is for pages that draw it; a run does not fail for want of it.
        try? await store.recordRunGraph(
            runID: runID, scheduled.map { RunGraphNode(name: $0.name, needs: $0.needs, level: $0.level) })
        observer.runStarted(runID: runID, jobs: scheduled.map(\.name))

        var jobs: [JobResult] = []
        var failure: (any Error)?
        do {
            // The run's tasks share one thread (see RunExecutor): fewer hand-offs per job.
            let executor = RunExecutor()
            defer { executor.finish() }
            jobs = try await withTaskExecutorPreference(executor) {
                try await Scheduler(environment: environment, plan: plan, store: store).run()
            }
        } catch {
            failure = error
        }
        let status: RunStatus =
            cancellation.isCancelled
            ? .cancelled
            : (failure != nil || jobs.contains(where: \.failsRun)) ? .failure : .success
        let duration = (clock.now - started).milliseconds
        // Remembered digests only save reading files next time: losing them must not lose the run's record.
        try? await environment.fileDigests.save()
        try? await environment.cacheUsage.save(to: store)
        try await store.finishRun(id: runID, status: status, finishedAt: Date(), durationMs: duration)
        var auditDetails = [
            "status": status.rawValue, "pipeline": definition.name, "file_digest": definition.fileDigest.description,
            "correlation": correlation,
        ]
        if let sha { auditDetails["commit"] = sha }
        try await store.appendAudit(
            actor: AuditActor.current(options.baseEnvironment), action: "run", subject: runID, details: auditDetails)
        if let failure { throw failure }
        let result = RunResult(
            runID: runID, correlation: correlation, status: status, jobs: jobs, durationMs: duration,
            logDirectory: logDirectory.path)
        observer.runFinished(result)
        return result
    }

    /// Every job that may run must have the secrets it lists.
    private func checkSecrets(_ definition: PipelineDefinition, plan: ExecutionPlan) throws {
        var missing: [String] = []
        let running = Set(
            plan.jobs.filter { if case .skip = $0.decision { return false } else { return true } }.map(\.jobID))
        // A workflow reads an unset secret as an empty string, as on GitHub.
        guard definition.format == .gantry else { return }
        for job in definition.jobs where running.contains(job.id) {
            for name in job.secrets where options.secrets[name] == nil {
                missing.append("job '\(job.id)' needs secret '\(name)'")
            }
        }
        guard missing.isEmpty else {
            throw InputError(
                "missing secrets: \(missing.joined(separator: "; ")) (give them with --secret NAME=VALUE, --secrets-file FILE or GANTRY_SECRET_<NAME>)"
            )
        }
    }
}

/// An error whose message has been masked, keeping the exit status of the original.
public struct MaskedError: GantryError, Sendable {
    public let message: String
    public let exitStatus: ExitStatus
    public var description: String { message }
}
