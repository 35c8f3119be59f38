import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel

/// Runs one concrete job: condition, environment, cache and build avoidance, attempts with retries,
/// outputs, and its log file.
struct JobRunner: Sendable {
    let environment: RunEnvironment
    let planned: PlannedJob
    let job: JobDefinition
    let needs: NeedsState
    let store: any StateRepositories
    /// This job's: it follows the run's; a matrix's fail-fast cancels the jobs of that matrix alone.
    let cancellation: CancellationFlag
    /// Its place among the jobs of its matrix (0 of 1 without one).
    var matrixIndex = 0
    var matrixTotal = 1

    var name: String { planned.name }

    /// Runs the job to completion; never throws: every problem becomes the job's status and reason.
    func run() async -> (JobResult, JobRecord) {
        let clock = ContinuousClock()
        let started = clock.now
        let startDate = Date()
        let log = JobLogWriter(
            url: environment.logDirectory.appendingPathComponent(JobRunner.logFileName(name), isDirectory: false),
            run: environment.runID, correlation: environment.correlation, job: name)
        log.event("job_start", fields: [("matrix", matrixJSON)])
        environment.observer.jobStarted(name)
        var execution = JobExecution(runner: self, log: log)
        var status: JobStatus
        var reason: String?
        do {
            // One job of a resource group at a time: wait for the one before (not part of the timeout).
            var lock: ResourceGroupLock?
            if let group = job.resourceGroup {
                log.event("resource_group_wait", fields: [("group", JSONText.quote(group))])
                lock = try await ResourceGroupLock.acquire(
                    group, stateDirectory: environment.stateDirectory, cancellation: cancellation)
                if lock == nil {
                    log.flush()
                    return finish(
                        .cancelled, reason: "run cancelled while waiting for resource group '\(group)'", attempts: [],
                        started: started, startDate: startDate, log: log)
                }
            }
            (status, reason) = try await execution.run()
            withExtendedLifetime(lock) {}
        } catch {
            (status, reason) = (.failure, "\(error)")
        }
        log.flush()
        if let failure = log.failure, status == .success {
            (status, reason) = (.failure, failure)
        }
        return finish(
            status, reason: reason, attempts: execution.attempts, started: started, startDate: startDate, log: log,
            outputs: execution.outputs, cache: execution.cacheState)
    }

    /// Whether the run goes on when this job fails: `continue-on-error`, or its expression decided for
    /// this concrete job (`${{ matrix.experimental }}`) over its matrix, needs, the run and a workflow's
    /// contexts. The rendered text must read `true`; anything else (or an expression that fails) is false.
    var continuesOnError: Bool {
        guard let text = job.continueOnErrorExpression else { return job.continueOnError }
        return AttemptRunner.decidesTrue(text, in: ExpressionContext(roots: expressionRoots))
    }

    /// What the job-level expressions read (its `if:`, `continue-on-error`, a computed matrix): the
    /// pipeline's env as written, its matrix, its needs, the run, and a workflow's contexts.
    var expressionRoots: [String: ExpressionValue] {
        var roots: [String: ExpressionValue] = [
            "env": .object(strings: environment.definition.env.map { ($0.name, $0.value) }),
            "matrix": .matrix(planned.matrix), "needs": needs.expressionValue, "run": environment.runContext,
        ]
        roots.merge(workflowRoots) { current, _ in current }
        return roots
    }

    /// A workflow's contexts (`github`, `runner`, `vars`…) with `strategy` for this job: its index
    /// and the number of jobs of its matrix (`pytest --splits ${{ strategy.job-total }}`). Empty for
    /// a `gantry.yml`.
    var workflowRoots: [String: ExpressionValue] {
        var roots = environment.github.roots
        guard roots["strategy"] != nil else { return roots }
        roots["strategy"] = .object([
            "fail-fast": .bool(job.failFast), "job-index": .number(Double(matrixIndex)),
            "job-total": .number(Double(matrixTotal)), "max-parallel": .number(Double(job.maxParallel ?? matrixTotal)),
        ])
        return roots
    }

    /// Only this job's flag is set, not the run's: another job of its matrix failed.
    var cancelledByFailFast: Bool { cancellation.isCancelled && !environment.cancellation.isCancelled }

    static let failFastReason = "cancelled by fail-fast: another job of this matrix failed"

    /// A job that never started: skipped or cancelled before its turn.
    func notRun(_ status: JobStatus, reason: String, satisfiesNeeds: Bool = false) -> (JobResult, JobRecord) {
        var (result, record) = finish(status, reason: reason, attempts: [], started: .now, startDate: Date(), log: nil)
        result.skipSatisfiesNeeds = satisfiesNeeds
        result.durationMs = 0
        record.durationMs = 0
        return (result, record)
    }

    private func finish(
        _ status: JobStatus, reason: String?, attempts: [AttemptRecord], started: ContinuousClock.Instant,
        startDate: Date, log: JobLogWriter?, outputs: [String: String] = [:], cache: String? = nil
    ) -> (JobResult, JobRecord) {
        let duration = (ContinuousClock.now - started).milliseconds
        var reason = reason
        if status == .cancelled, cancelledByFailFast { reason = Self.failFastReason }
        if status == .success, reason == nil {
            // Steps that failed but were allowed (`continue-on-error`) must not vanish into "success".
            let allowed = attempts.last?.steps.filter { $0.status != .success && $0.status != .skipped }.count ?? 0
            if allowed > 0 { reason = "\(allowed) step\(allowed == 1 ? "" : "s") failed, allowed by continue-on-error" }
        }
        let maskedReason = reason.map(environment.masker.mask)
        let maskedOutputs = outputs.mapValues(environment.masker.mask)
        if let log {
            var fields = [("status", JSONText.quote(status.rawValue)), ("duration_ms", String(duration))]
            if let maskedReason { fields.append(("reason", JSONText.quote(maskedReason))) }
            log.event("job_end", fields: fields)
            log.close()
        }
        var result = JobResult(
            name: name, jobID: job.id, status: status,
            attempts: max(attempts.count, status == .cached ? 0 : attempts.count),
            durationMs: duration, outputs: maskedOutputs, reason: maskedReason, cache: cache)
        result.continueOnError = continuesOnError
        let record = JobRecord(
            runID: environment.runID, name: name, jobID: job.id, status: status, attempts: attempts.count,
            startedAt: attempts.isEmpty && status == .skipped ? nil : startDate, finishedAt: Date(),
            durationMs: duration, cache: cache, reason: maskedReason, outputs: JobRunner.json(maskedOutputs),
            attemptRecords: attempts)
        return (result, record)
    }

    var matrixJSON: String {
        "{"
            + planned.matrix.map { "\(JSONText.quote($0.0)):\(JSONText.quote(MatrixValue.display($0.1)))" }.joined(
                separator: ",")
            + "}"
    }

    /// A file name for a job's log: the concrete name with anything unusual replaced by `_`.
    static func logFileName(_ name: String) -> String {
        var slug = ""
        for scalar in name.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.=,".unicodeScalars.contains(scalar)
            {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("_") {
                slug += "_"
            }
        }
        while slug.hasSuffix("_") { slug.removeLast() }
        if slug.isEmpty || slug.hasPrefix(".") { slug = "job" + slug }
        return slug + ".jsonl"
    }

    static func json(_ values: [String: String]) -> String {
        "{"
            + values.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(values[$0] ?? ""))" }.joined(
                separator: ",") + "}"
    }
}
