import Foundation
import GantryCore
import Pipeline
import StateModel

/// What `gantry plan` predicts for each job before anything runs: avoided (and the run whose result it
/// would reuse), run (and which part of its key changed since its last success), decided only after a
/// job it needs has run, or never avoided (and why); and whether its cache would hit.
///
/// It computes the same avoidance key the run will, from the same files, environment, secrets, needs'
/// outputs and tool versions, so "avoided" here means avoided in `gantry run` unless a file changes in
/// between.
public struct AvoidancePreview: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Its key was seen with success: the run would reuse that run's result.
        case avoided(runID: String)
        /// It would run; `reason` says which part of its key changed, or that it never succeeded here.
        case runs(reason: String)
        /// Its key depends on the outputs of a job it needs, which runs first.
        case afterNeed(String)
        /// It is never avoided: no `inputs`, a pattern that matches nothing, `--no-cache`, or its key
        /// cannot be computed before the run.
        case notAvoidable(reason: String)
    }

    /// One job's prediction.
    public struct Job: Sendable, Equatable {
        public var verdict: Verdict
        /// `hit`, `partial` or `miss` for a job with a `cache:`; nil otherwise or when it is avoided.
        public var cache: String?
    }

    /// By concrete job name; jobs the plan skips are absent.
    public var jobs: [String: Job] = [:]

    /// Predicts every job of `plan` that may run. `store` is the state the run would use, nil when none
    /// exists yet (then nothing is avoided); `snapshots` holds the blobs an avoided job would reuse.
    public static func compute(
        definition: PipelineDefinition, plan: ExecutionPlan, options: RunOptions, store: (any StateRepositories)?,
        snapshots: SnapshotStore
    ) async -> AvoidancePreview {
        let workspace = PipelineFormat.workspace(forFile: options.file).standardizedFileURL
        let (sha, branch) = await GitInfo.head(in: workspace)
        let toolchain = await AvoidanceKey.Toolchain.current(options: options)
        let run: ExpressionValue = .object([
            "id": .string("(plan)"), "correlation": .string("(plan)"), "sha": .string(sha ?? ""),
            "branch": .string(branch ?? ""),
        ])
        let digests = store.map { FileDigestCache(store: $0) }
        // Only avoidance keys read them (jobs with inputs); unreadable ones only cost hashing each file.
        if definition.jobs.contains(where: { !$0.inputs.isEmpty }) { try? await digests?.prepare() }
        let expansions = Dictionary(grouping: plan.jobs, by: \.jobID).mapValues { $0.map(\.name) }
        var preview = AvoidancePreview()
        // The outcome each job would have, as the scheduler would see it; nil when unknown before the run.
        var predicted: [String: JobResult] = [:]
        // Jobs whose outcome is only known once they have run.
        var unknown: Set<String> = []
        for planned in plan.jobs {
            guard let job = definition.job(planned.jobID) else { continue }
            if case .skip(let reason) = planned.decision {
                if reason != .notSelected {
                    var result = JobResult(
                        name: planned.name, jobID: job.id, status: .skipped, attempts: 0, durationMs: 0, outputs: [:])
                    result.skipSatisfiesNeeds = reason.satisfiesNeeds
                    predicted[planned.name] = result
                }
                continue
            }
            if planned.matrixAtRunTime {
                // Each job it expands to is avoided (or not) on its own key, once the matrix is known.
                let verdict: Verdict =
                    job.needs.first.map(Verdict.afterNeed)
                    ?? .notAvoidable(reason: "its matrix is computed at run time")
                preview.jobs[planned.name] = Job(verdict: verdict, cache: nil)
                unknown.insert(planned.name)
                continue
            }
            let pending = job.needs.first { need in
                (expansions[need] ?? []).contains { unknown.contains($0) }
            }
            let needs = NeedsState.combine(job) { need in
                (expansions[need] ?? []).compactMap { predicted[$0] }
            }
            let prediction = await predict(
                job, planned: planned, definition: definition, needs: needs, pendingNeed: pending, run: run,
                workspace: workspace, options: options, store: store, snapshots: snapshots, toolchain: toolchain,
                fileDigest: { try digests?.digest(of: $0) ?? Digest.sha256(fileAt: $0).hex })
            preview.jobs[planned.name] = prediction.job
            if let result = prediction.result { predicted[planned.name] = result } else { unknown.insert(planned.name) }
        }
        return preview
    }

    private static func predict(
        _ job: JobDefinition, planned: PlannedJob, definition: PipelineDefinition, needs: NeedsState,
        pendingNeed: String?, run: ExpressionValue, workspace: URL, options: RunOptions,
        store: (any StateRepositories)?,
        snapshots: SnapshotStore, toolchain: AvoidanceKey.Toolchain, fileDigest: (URL) throws -> String
    ) async -> (job: Job, result: JobResult?) {
        var context = JobContext.base(
            job: job, matrix: planned.matrix, needs: needs, run: run, secrets: options.secrets, workspace: workspace)
        let cache: String?
        let env: [String: String]
        do {
            env = try JobContext.renderEnvironment(pipeline: definition.env, job: job, into: &context)
            cache = try await cacheState(job, context: context, options: options, store: store, workspace: workspace)
        } catch {
            return (Job(verdict: .notAvoidable(reason: "cannot tell before the run: \(error)"), cache: nil), nil)
        }
        func verdict(_ verdict: Verdict) -> (Job, JobResult?) { (Job(verdict: verdict, cache: cache), nil) }
        guard options.useCache else { return verdict(.notAvoidable(reason: "--no-cache")) }
        guard !job.inputs.isEmpty else { return verdict(.notAvoidable(reason: "no inputs declared")) }
        let (files, unmatched) = FileWalker.match(under: workspace, job.inputs)
        if let pattern = unmatched.first {
            return verdict(.notAvoidable(reason: "inputs pattern '\(pattern.pattern)' matches no file"))
        }
        if let pendingNeed { return verdict(.afterNeed(pendingNeed)) }
        if let missing = job.secrets.first(where: { options.secrets[$0] == nil }) {
            return verdict(.notAvoidable(reason: "secret '\(missing)' not given to plan"))
        }
        let manifest = AvoidanceKey.compute(
            job: job, name: planned.name, matrix: planned.matrix, environment: env,
            secrets: job.secrets.reduce(into: [:]) { $0[$1] = options.secrets[$1] ?? "" }, needs: needs,
            workspace: workspace, inputFiles: files, toolchain: toolchain, fileDigest: fileDigest)
        guard let store else { return verdict(.runs(reason: "no earlier run in this state")) }
        do {
            let lookup = CacheLookup(store: store, workspace: workspace)
            if let entry = try await store.avoidance(forKey: manifest.key),
                try await lookup.reusableArtifacts(
                    of: entry, job: planned.name, declaresArtifacts: job.artifacts != nil, snapshots: snapshots) != nil
            {
                let result = JobResult(
                    name: planned.name, jobID: job.id, status: .cached, attempts: 0, durationMs: 0,
                    outputs: AvoidanceKey.decodeOutputs(entry.outputs))
                return (Job(verdict: .avoided(runID: entry.runID), cache: nil), result)
            }
            if let previous = try await store.avoidanceManifest(workspace: workspace.path, job: planned.name) {
                let why = AvoidanceKey.explain(current: manifest, previous: previous.parts)
                return verdict(.runs(reason: "\(why) since run \(previous.runID)"))
            }
            return verdict(.runs(reason: "no earlier success with these inputs"))
        } catch {
            return verdict(.notAvoidable(reason: "cannot read the state: \(error)"))
        }
    }

    private static func cacheState(
        _ job: JobDefinition, context: ExpressionContext, options: RunOptions, store: (any StateRepositories)?,
        workspace: URL
    ) async throws -> String? {
        guard let cache = job.cache, options.useCache else { return nil }
        guard let store else { return "miss" }
        let lookup = CacheLookup(store: store, workspace: workspace)
        if try await lookup.exact(try Template.render(cache.key, in: context)).digest != nil { return "hit" }
        if try await lookup.partial(cache.restoreKeys.map { try Template.render($0, in: context) }) != nil {
            return "partial"
        }
        return "miss"
    }
}
