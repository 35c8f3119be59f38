import Foundation
import GantryCore
import Pipeline
import StateModel

/// The mutable part of running a job: attempts so far, outputs, cache state.
struct JobExecution {
    let runner: JobRunner
    let log: JobLogWriter
    var attempts: [AttemptRecord] = []
    var outputs: [String: String] = [:]
    var cacheState: String?

    init(runner: JobRunner, log: JobLogWriter) {
        self.runner = runner
        self.log = log
    }

    private var environment: RunEnvironment { runner.environment }
    private var job: JobDefinition { runner.job }

    /// Runs the job: returns its final status and, when it did not succeed, why.
    mutating func run() async throws -> (JobStatus, String?) {
        var context = baseContext()
        let jobEnv = try renderEnvironment(into: &context)
        let workingDirectory = try resolveWorkingDirectory(context)

        // The files the jobs it needs handed on, before the key is computed: its inputs may name them.
        let transfer = JobArtifactTransfer(runner: runner)
        for (name, files) in try await transfer.download() {
            log.event("artifact_download", fields: [("name", JSONText.quote(name)), ("files", String(files))])
        }

        var avoidance: AvoidanceKey.Manifest?
        // A pattern that matches nothing (a typo) would freeze the key: such a job is never avoided.
        let (inputFiles, unmatched) = FileWalker.match(under: environment.workspace, job.inputs)
        if !unmatched.isEmpty {
            note(
                "warning: inputs pattern \(unmatched.map { "'\($0.pattern)'" }.joined(separator: ", ")) matches no file; "
                    + "the job is not avoided until every pattern matches something")
        }
        if !job.inputs.isEmpty && unmatched.isEmpty && environment.options.useCache {
            try await environment.fileDigests.prepare()
            let manifest = AvoidanceKey.compute(
                job: job, name: runner.name, matrix: runner.planned.matrix, environment: jobEnv,
                secrets: job.secrets.reduce(into: [:]) { $0[$1] = environment.options.secrets[$1] ?? "" },
                needs: runner.needs, workspace: environment.workspace, inputFiles: inputFiles,
                toolchain: environment.toolchain,
                fileDigest: environment.fileDigests.digest(of:))
            avoidance = manifest
            if let entry = try await runner.store.avoidance(forKey: manifest.key),
                let artifacts = try await caches.reusableArtifacts(
                    of: entry, job: runner.name, declaresArtifacts: job.artifacts != nil,
                    snapshots: environment.snapshots)
            {
                try await transfer.carryOver(artifacts)
                if let digest = entry.snapshotDigest {
                    try await environment.snapshots.restore(
                        digest, paths: job.cache?.paths ?? [], workspace: environment.workspace)
                }
                outputs = AvoidanceKey.decodeOutputs(entry.outputs)
                environment.cacheUsage.avoided(manifest.key)
                // Nothing ran, so there is nothing to log; the record says why (status cached, reason).
                log.discard()
                return (.cached, "inputs unchanged since run \(entry.runID)")
            }
            if let previous = try await runner.store.avoidanceManifest(
                workspace: environment.workspace.standardizedFileURL.path, job: runner.name)
            {
                let why = AvoidanceKey.explain(current: manifest, previous: previous.parts)
                log.event(
                    "avoidance_miss",
                    fields: [("reason", JSONText.quote(why)), ("since", JSONText.quote(previous.runID))])
                note("runs again: \(why) since run \(previous.runID)")
            }
        }

        // Only a job that runs restores its cache: an avoided one got its snapshot above.
        let cacheKey = try await restoreCache(context: context)
        var stepEnv = jobEnv
        // Steps can tell whether the cache was restored (`hit`, `partial`, `miss`).
        if let cacheState { stepEnv["GANTRY_CACHE"] = cacheState }
        var (status, reason) = await execute(context: context, jobEnv: stepEnv, workingDirectory: workingDirectory)
        if let spec = job.artifacts {
            do {
                if let warning = try await transfer.upload(spec, status: status, context: context) { note(warning) }
            } catch {
                note("artifacts not stored: \(error)")
                if status == .success { (status, reason) = (.failure, "artifacts not stored: \(error)") }
            }
        }
        if status == .success { try await saveAfterSuccess(cacheKey: cacheKey, avoidance: avoidance) }
        return (status, reason)
    }

    /// Hands the job's steps to the run's executor as a self-contained assignment.
    private mutating func execute(
        context: ExpressionContext, jobEnv: [String: String], workingDirectory: URL
    ) async -> (JobStatus, String?) {
        var roots = context.roots
        roots["steps"] = nil
        let assignment = JobAssignment(
            run: JobAssignment.Run(
                id: environment.runID, correlation: environment.correlation, sha: environment.sha,
                branch: environment.branch, pipelineFile: environment.definition.file,
                pipelineDigest: environment.definition.fileDigest, startedAt: environment.startedAt,
                uncommittedChanges: environment.uncommittedChanges),
            name: runner.name, job: job, context: roots, environment: jobEnv,
            secrets: job.secrets.reduce(into: [:]) { $0[$1] = environment.options.secrets[$1] ?? "" },
            baseEnvironment: environment.options.baseEnvironment.filter { !$0.key.hasPrefix("GANTRY_SECRET_") },
            workspace: environment.workspace.path, workingDirectory: workingDirectory.path,
            scratchDirectory: environment.temporaryDirectory.path, runnerVariables: environment.github.variables)
        let report = await environment.executor.execute(assignment, log: log, cancellation: runner.cancellation)
        attempts = report.attempts
        outputs = report.outputs
        return (report.status, report.reason)
    }

    /// Restores the job's cache (exact key, else the closest `restore-keys` match) and sets
    /// `cacheState`; returns the rendered key, which the job saves under after success.
    private mutating func restoreCache(context: ExpressionContext) async throws -> String? {
        if let cache = job.cache, environment.options.useCache {
            let key = try Template.render(cache.key, in: context)
            if cache.policy == .push {
                // Saved after the job, never restored (`policy: push`).
                cacheState = "miss"
            } else if let digest = try await restorableCache(key: key) {
                try await environment.snapshots.restore(digest, paths: cache.paths, workspace: environment.workspace)
                cacheState = "hit"
                log.event(
                    "cache_restore",
                    fields: [("key", JSONText.quote(key)), ("digest", JSONText.quote(digest.description))])
            } else if let (matched, digest, entry) = try await caches.partial(
                cache.restoreKeys.map { try Template.render($0, in: context) })
            {
                environment.cacheUsage.cacheHit(entry)
                // The closest earlier cache: the job starts warm and saves under its own key afterwards.
                try await environment.snapshots.restore(digest, paths: cache.paths, workspace: environment.workspace)
                cacheState = "partial"
                log.event(
                    "cache_restore",
                    fields: [
                        ("key", JSONText.quote(key)), ("restored_key", JSONText.quote(matched)),
                        ("digest", JSONText.quote(digest.description)),
                    ])
            } else {
                cacheState = "miss"
            }
            return key
        }
        return nil
    }

    // MARK: - Context and environment

    private func baseContext() -> ExpressionContext {
        JobContext.base(
            job: job, matrix: runner.planned.matrix, needs: runner.needs, run: environment.runContext,
            secrets: environment.options.secrets, workspace: environment.workspace, extra: runner.workflowRoots)
    }

    private func renderEnvironment(into context: inout ExpressionContext) throws -> [String: String] {
        try JobContext.renderEnvironment(pipeline: environment.definition.env, job: job, into: &context)
    }

    private func resolveWorkingDirectory(_ context: ExpressionContext) throws -> URL {
        guard let relative = job.workingDirectory else { return environment.workspace }
        let rendered = try Template.render(relative, in: context)
        let url =
            rendered.hasPrefix("/")
            ? URL(fileURLWithPath: rendered) : environment.workspace.appendingPathComponent(rendered, isDirectory: true)
        try Self.checkDirectory(url, what: "working-directory '\(rendered)'")
        return url
    }

    static func checkDirectory(_ url: URL, what: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError("\(what) does not exist (\(url.path))")
        }
        guard isDirectory.boolValue else { throw InputError("\(what) is not a directory (\(url.path))") }
        guard access(url.path, R_OK | X_OK) == 0 else {
            throw InputError("\(what) cannot be entered: permission denied (\(url.path))")
        }
    }

    /// A line in the job's output (stderr), masked and logged like step output.
    private func note(_ text: String) {
        let sink = StreamSink(
            masker: environment.masker, log: log, prefix: log.linePrefix(step: "inputs", attempt: 1, stream: .stderr),
            observer: environment.observer, job: runner.name, stream: .stderr)
        sink.note(text)
        sink.finish()
    }

    private func saveAfterSuccess(cacheKey: String?, avoidance: AvoidanceKey.Manifest?) async throws {
        var snapshot: Digest?
        if let cache = job.cache, let cacheKey, cacheState != "hit", cache.policy != .pull {
            if let saved = try await saveSnapshot(cache.paths) {
                // A snapshot that names this workspace's path is this workspace's alone.
                try await runner.store.saveCacheEntry(
                    key: saved.pathBound ? caches.workspaceKey(cacheKey) : cacheKey, digest: saved.digest,
                    size: saved.size)
                snapshot = saved.digest
                log.event(
                    "cache_save",
                    fields: [("key", JSONText.quote(cacheKey)), ("digest", JSONText.quote(saved.digest.description))])
            }
        }
        if let avoidance {
            if snapshot == nil, let cache = job.cache {
                snapshot = try await saveSnapshot(cache.paths)?.digest
            }
            try await runner.store.saveAvoidance(
                AvoidanceEntry(
                    key: avoidance.key, jobID: job.id,
                    outputs: JobRunner.json(outputs.mapValues(environment.masker.mask)),
                    snapshotDigest: snapshot, runID: environment.runID))
            try await runner.store.saveAvoidanceManifest(
                workspace: environment.workspace.standardizedFileURL.path, job: runner.name, key: avoidance.key,
                manifest: avoidance.json, runID: environment.runID)
        }
    }

    /// Saves a snapshot and records where it was made and whether it names that path.
    private func saveSnapshot(_ paths: [String]) async throws -> SnapshotStore.Saved? {
        guard let saved = try await environment.snapshots.save(paths: paths, workspace: environment.workspace)
        else { return nil }
        try await runner.store.recordSnapshotOrigin(
            digest: saved.digest, workspace: environment.workspace.standardizedFileURL.path,
            pathBound: saved.pathBound)
        return saved
    }

    private var caches: CacheLookup { CacheLookup(store: runner.store, workspace: environment.workspace) }

    /// The snapshot to restore for cache `key`, saying so when a shared one is bound to another workspace.
    private func restorableCache(key: String) async throws -> Digest? {
        let (digest, refused, entry) = try await caches.exact(key)
        if let refused { note("cache '\(key)' not restored: it was saved in \(refused) and its files name that path") }
        if let entry { environment.cacheUsage.cacheHit(entry) }
        return digest
    }

}
