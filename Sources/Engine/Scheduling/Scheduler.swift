import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel

/// Runs a plan's jobs as their needs finish, at most `parallel` at once.
///
/// A job starts as soon as every job it needs has finished. Its `if:` (implicitly `success()`)
/// decides whether it runs: a failed need skips it unless the condition asks for `failure()` or
/// `always()`; a need skipped by a path filter counts as satisfied. Unrelated jobs go on.
struct Scheduler {
    let environment: RunEnvironment
    let plan: ExecutionPlan
    let store: any StateRepositories
    let recorder: JobRecorder

    init(environment: RunEnvironment, plan: ExecutionPlan, store: any StateRepositories) {
        self.environment = environment
        self.plan = plan
        self.store = store
        recorder = JobRecorder(store: store)
    }

    func run() async throws -> [JobResult] {
        do {
            return try await runJobs()
        } catch {
            // What finished is recorded even when the run stops early.
            try? await recorder.flush()
            throw error
        }
    }

    private func runJobs() async throws -> [JobResult] {
        let parallel = max(1, environment.options.parallel)
        var results: [String: JobResult] = [:]
        var pending = plan.jobs.filter { $0.decision != .skip(.notSelected) }
        // Job id → the concrete jobs (matrix combinations) it expands to; a computed matrix's entry
        // is replaced by its jobs when they are known.
        var expansions = Dictionary(grouping: plan.jobs, by: \.jobID).mapValues { $0.map(\.name) }
        var order = plan.jobs.map(\.name)
        // The jobs of a matrix with fail-fast share one flag (following the run's): the first of them
        // that fails cancels the others. Jobs of a matrix with max-parallel are counted by job id.
        let matrixFlags = Dictionary(
            plan.jobs.filter { environment.definition.job($0.jobID)?.failFast == true }.map {
                ($0.jobID, CancellationFlag(following: environment.cancellation))
            }, uniquingKeysWith: { first, _ in first })
        var runningOf: [String: Int] = [:]
        // Jobs of a computed matrix whose runner is another system (without --skip-unsupported): each
        // fails with the reason when its turn comes.
        var refused: [String: String] = [:]
        var running = 0
        var recordError: (any Error)?

        try await withThrowingTaskGroup(of: (JobResult, JobRecord).self) { group in
            while !pending.isEmpty || running > 0 {
                var index = 0
                while index < pending.count {
                    let job = pending[index]
                    guard job.needs.allSatisfy({ results[$0] != nil }) else {
                        index += 1
                        continue
                    }
                    // Jobs already decided by the plan take no slot; others wait for one before any work.
                    let planSkip: Bool
                    if case .skip = job.decision { planSkip = true } else { planSkip = false }
                    if running >= parallel && !planSkip { break }
                    if !planSkip, let limit = environment.definition.job(job.jobID)?.maxParallel, !job.matrixAtRunTime,
                        runningOf[job.jobID, default: 0] >= limit
                    {
                        index += 1
                        continue
                    }
                    let runner = makeRunner(
                        job, results: results, expansions: expansions,
                        cancellation: matrixFlags[job.jobID] ?? environment.cancellation)
                    if let reason = refused[job.name] {
                        pending.remove(at: index)
                        try record(runner.notRun(.failure, reason: reason), into: &results)
                        continue
                    }
                    if let immediate = decideWithoutRunning(job, runner: runner, results: results) {
                        pending.remove(at: index)
                        try record(immediate, into: &results)
                        continue
                    }
                    pending.remove(at: index)
                    if job.matrixAtRunTime {
                        // Its needs are done: the matrix is known, and its jobs take this entry's place.
                        switch expand(job, runner: runner) {
                        case .failed(let outcome): try record(outcome, into: &results)
                        case .jobs(var jobs):
                            for position in jobs.indices {
                                guard
                                    let (_, why) = GitHubRunnerLabels.refusal(
                                        job: jobs[position].name, labels: runner.job.runnerLabels,
                                        combination: jobs[position].matrix)
                                else { continue }
                                if environment.options.skipUnsupported {
                                    jobs[position].decision = .skip(.unsupportedCombination(why))
                                } else {
                                    refused[jobs[position].name] = "\(why) (--skip-unsupported skips it)"
                                }
                            }
                            let names = jobs.map(\.name)
                            expansions[job.jobID] = names
                            if let at = order.firstIndex(of: job.name) { order.replaceSubrange(at...at, with: names) }
                            for other in pending.indices where pending[other].needs.contains(job.name) {
                                pending[other].needs = pending[other].needs.flatMap { $0 == job.name ? names : [$0] }
                            }
                            pending.insert(contentsOf: jobs, at: index)
                            await recordGraph(pending: pending, results: results)
                        }
                        continue
                    }
                    running += 1
                    runningOf[job.jobID, default: 0] += 1
                    group.addTask { await runner.run() }
                }
                guard running > 0 else {
                    if pending.isEmpty { break }
                    // Every pending job waits on a job that is not in the plan: impossible after validation.
                    throw InfrastructureError(
                        "scheduler stalled with \(pending.count) job(s) waiting: \(pending.map(\.name).joined(separator: ", "))"
                    )
                }
                if let finished = try await group.next() {
                    running -= 1
                    runningOf[finished.0.jobID, default: 1] -= 1
                    if finished.0.failsRun { matrixFlags[finished.0.jobID]?.cancel() }
                    do {
                        try record(finished, into: &results)
                    } catch {
                        recordError = error
                        environment.cancellation.cancel()
                    }
                }
            }
        }
        if let recordError { throw recordError }
        try await recorder.flush()
        return order.compactMap { results[$0] }
    }

    /// The jobs a computed matrix expands to, or the failed result of its entry when the matrix cannot
    /// be evaluated or breaks a bound (the jobs that need it are then skipped, as after any failure).
    private func expand(_ job: PlannedJob, runner: JobRunner) -> Expansion {
        guard let computed = runner.job.computedMatrix else { return .jobs([job]) }
        let context = ExpressionContext(roots: runner.expressionRoots, workspace: environment.workspace)
        do {
            let matrix = try MatrixEvaluator.evaluate(computed, job: job.jobID, in: context)
            return .jobs(MatrixExpander.combinations(of: matrix).map(job.expanded))
        } catch {
            return .failed(runner.notRun(.failure, reason: error.description))
        }
    }

    /// The graph pages draw, once a computed matrix has replaced its entry with its jobs.
    private func recordGraph(pending: [PlannedJob], results: [String: JobResult]) async {
        let done = Set(results.keys)
        let nodes = plan.jobs.filter { done.contains($0.name) } + pending
        try? await store.recordRunGraph(
            runID: environment.runID, nodes.map { RunGraphNode(name: $0.name, needs: $0.needs, level: $0.level) })
    }

    private func record(_ outcome: (JobResult, JobRecord), into results: inout [String: JobResult]) throws {
        results[outcome.0.name] = outcome.0
        environment.observer.jobFinished(outcome.0)
        try recorder.add(outcome.1)
    }

    private func makeRunner(
        _ job: PlannedJob, results: [String: JobResult], expansions: [String: [String]], cancellation: CancellationFlag
    ) -> JobRunner {
        guard let definition = environment.definition.job(job.jobID) else {
            preconditionFailure("planned job \(job.jobID) is not in the pipeline")
        }
        let needs = NeedsState.combine(definition) { (expansions[$0] ?? []).compactMap { results[$0] } }
        var runner = JobRunner(
            environment: environment, planned: job, job: definition, needs: needs, store: store,
            cancellation: cancellation)
        let siblings = expansions[job.jobID] ?? [job.name]
        runner.matrixIndex = siblings.firstIndex(of: job.name) ?? 0
        runner.matrixTotal = max(1, siblings.count)
        return runner
    }

    /// A result for a job that will not run (plan skip, cancellation, needs, false `if:`), or nil to run it.
    private func decideWithoutRunning(_ job: PlannedJob, runner: JobRunner, results: [String: JobResult]) -> (
        JobResult, JobRecord
    )? {
        if case .skip(let reason) = job.decision {
            return runner.notRun(.skipped, reason: reason.description, satisfiesNeeds: reason.satisfiesNeeds)
        }
        let needs = runner.needs
        if runner.cancelledByFailFast {
            return runner.notRun(.cancelled, reason: JobRunner.failFastReason)
        }
        let cancelled = environment.cancellation.isCancelled
        let condition = runner.job.condition
        var context = ExpressionContext(
            roots: runner.expressionRoots, status: .init(failed: needs.anyFailed, cancelled: cancelled),
            workspace: environment.workspace)
        if cancelled && !AttemptRunner.usesAlways(condition) {
            return runner.notRun(.cancelled, reason: "run cancelled before the job started")
        }
        do {
            let expression = try condition.map { try Template.condition($0) }
            let hasStatusFunction =
                expression?.calledFunctions.contains(where: ExpressionEvaluator.statusFunctions.contains) ?? false
            if !hasStatusFunction {
                if needs.anyFailed {
                    let failed = runner.job.needs.filter { needs.results[$0]?.result == "failure" }
                    return runner.notRun(.skipped, reason: "needs \(failed.joined(separator: ", ")) failed")
                }
                if needs.anySkipped || needs.anyCancelled {
                    let skipped = runner.job.needs.filter {
                        let result = needs.results[$0]?.result ?? ""
                        // A skipped stage need (GitLab) did not hold the job back.
                        return result == "cancelled" || (result == "skipped" && !runner.job.stageNeeds.contains($0))
                    }
                    return runner.notRun(.skipped, reason: "needs \(skipped.joined(separator: ", ")) did not run")
                }
            }
            context.status = .init(failed: needs.anyFailed, cancelled: cancelled)
            if let expression {
                let value = try ExpressionEvaluator.evaluate(expression, in: context).isTruthy
                if !value { return runner.notRun(.skipped, reason: "if is false: \(condition ?? "")") }
            }
        } catch {
            return runner.notRun(.failure, reason: "cannot evaluate if: \(error)")
        }
        return nil
    }
}

/// What a computed matrix gave: the jobs it expands to, or its entry's failed result and record.
private enum Expansion {
    case jobs([PlannedJob])
    case failed((JobResult, JobRecord))
}
