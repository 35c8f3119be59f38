import Foundation
import GantryCore
import Pipeline
import StateModel

/// How one attempt of a job went.
struct AttemptSummary {
    var status: JobStatus
    var reason: String?
    /// For retry decisions; nil when the attempt succeeded or was cancelled.
    var attemptOutcome: AttemptOutcome?
    /// The `steps` context at the end of the attempt.
    var steps: ExpressionValue
}

extension AttemptRunner {
    /// Runs every step of one attempt under the job's timeout.
    mutating func runAttempt(
        _ attempt: Int, context: ExpressionContext, jobEnv: [String: String], workingDirectory: URL
    ) async throws -> AttemptSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let startDate = Date()
        let deadline = started.advanced(by: assignment.job.timeout)
        // Step files live flat in the run's temporary directory (removed when the run ends), named by
        // job and attempt: no directory is created per job, which keeps 1,000-job runs cheap.
        let scratch = ScratchFiles(
            directory: assignment.scratchDirectory,
            prefix: "\(JobRunner.logFileName(assignment.name).dropLast(6)).\(attempt)")

        var steps: [String: ExpressionValue] = [:]
        var records: [StepRecord] = []
        var failed = false
        var summary = AttemptSummary(status: .success, steps: .object([:]))
        var addedEnv: [String: String] = [:]
        // A JavaScript action's state, by the use of the action its scripts share (GANTRY_ACTION_STATE).
        var actionStates: [String: [String: String]] = [:]

        for (index, step) in assignment.job.steps.enumerated() {
            let stepName = step.displayName
            var stepContext = context
            stepContext.roots["steps"] = .object(steps)
            var mergedEnv = jobEnv.merging(addedEnv) { $1 }
            stepContext.roots["env"] = .object(mergedEnv.mapValues(ExpressionValue.string))
            stepContext.status = .init(failed: failed, cancelled: cancellation.isCancelled)

            let shouldRun = try Self.evaluateCondition(step.condition, in: stepContext)
            if !shouldRun || (cancellation.isCancelled && !Self.usesAlways(step.condition)) {
                records.append(
                    StepRecord(
                        index: index, name: stepName, status: .skipped, exitCode: nil, signal: nil, durationMs: 0))
                if let id = step.id { steps[id] = Self.stepValue([:], outcome: "skipped", conclusion: "skipped") }
                continue
            }
            if !step.env.isEmpty {
                for variable in step.env {
                    stepContext.roots["env"] = .object(mergedEnv.mapValues(ExpressionValue.string))
                    mergedEnv[variable.name] = try Template.render(variable.value, in: stepContext)
                }
                stepContext.roots["env"] = .object(mergedEnv.mapValues(ExpressionValue.string))
            }
            let actionInstance = mergedEnv["GANTRY_ACTION_STATE"]
            for (name, value) in actionInstance.flatMap({ actionStates[$0] }) ?? [:] {
                mergedEnv["STATE_\(name)"] = value
            }

            let remaining = deadline - clock.now
            let stepTimeout = min(step.timeout ?? remaining, remaining)
            let stepStart = clock.now
            log.event("step_start", step: stepName, attempt: attempt)
            let result: StepResult
            if stepTimeout <= .zero {
                result = StepResult(
                    status: .timedOut, outcome: .timedOut,
                    reason: "job timeout (\(assignment.job.timeout.humanShort)) reached")
            } else {
                result = await runStep(
                    step, name: stepName, index: index, attempt: attempt, context: stepContext, env: mergedEnv,
                    workingDirectory: workingDirectory, scratch: scratch, timeout: stepTimeout,
                    jobTimeoutApplies: step.timeout.map { $0 >= remaining } ?? true)
            }
            let duration = (clock.now - stepStart).milliseconds
            var fields = [("status", JSONText.quote(result.status.rawValue)), ("duration_ms", String(duration))]
            if let code = result.exitCode { fields.append(("exit_code", String(code))) }
            if let signal = result.signal { fields.append(("signal", String(signal))) }
            log.event("step_end", step: stepName, attempt: attempt, fields: fields)
            records.append(
                StepRecord(
                    index: index, name: stepName, status: result.status, exitCode: result.exitCode,
                    signal: result.signal, durationMs: duration))
            addedEnv.merge(result.addedEnv) { $1 }
            if let actionInstance { actionStates[actionInstance, default: [:]].merge(result.savedState) { $1 } }
            let succeeded = result.status == .success
            let continues =
                step.continueOnError
                || (!succeeded && step.continueOnErrorExpression.map { Self.decidesTrue($0, in: stepContext) } == true)
            if let id = step.id {
                steps[id] = Self.stepValue(
                    result.outputs, outcome: succeeded ? "success" : "failure",
                    conclusion: succeeded || continues ? "success" : "failure")
            }
            if !succeeded && !continues && !failed {
                failed = true
                let prefix = "step '\(stepName)'"
                switch result.status {
                case .timedOut:
                    summary = AttemptSummary(
                        status: .timedOut, reason: "\(prefix) \(result.reason ?? "timed out")",
                        attemptOutcome: .timedOut, steps: .null)
                case .cancelled:
                    summary = AttemptSummary(
                        status: .cancelled, reason: "run cancelled during \(prefix)", attemptOutcome: nil, steps: .null)
                default:
                    summary = AttemptSummary(
                        status: .failure, reason: "\(prefix) \(result.reason ?? "failed")",
                        attemptOutcome: result.outcome, steps: .null)
                }
            }
        }
        if summary.status == .success && cancellation.isCancelled {
            // Steps were skipped because the run was cancelled: the job did not complete.
            summary = AttemptSummary(status: .cancelled, reason: "run cancelled", attemptOutcome: nil, steps: .null)
        }
        summary.steps = .object(steps)
        attempts.append(
            AttemptRecord(
                number: attempt, status: summary.status, startedAt: startDate,
                durationMs: (clock.now - started).milliseconds, steps: records))
        log.flush()
        return summary
    }

    static func stepValue(_ outputs: [String: String], outcome: String, conclusion: String) -> ExpressionValue {
        .object([
            "outputs": .object(outputs.mapValues(ExpressionValue.string)), "outcome": .string(outcome),
            "conclusion": .string(conclusion),
        ])
    }

    /// Evaluates a step or job `if:`; without a status function the implicit `success() &&` applies.
    static func evaluateCondition(_ condition: String?, in context: ExpressionContext) throws -> Bool {
        guard let condition else { return !context.status.failed && !context.status.cancelled }
        let expression = try Template.condition(condition)
        let value = try ExpressionEvaluator.evaluate(expression, in: context).isTruthy
        if expression.calledFunctions.contains(where: ExpressionEvaluator.statusFunctions.contains) { return value }
        return value && !context.status.failed && !context.status.cancelled
    }

    /// Whether a `continue-on-error` expression comes out as `true`: rendered as GitHub does, then read
    /// as a boolean (a matrix value `false` is the text "false", which an expression would call truthy).
    /// Anything else, an error included, is false: the failure counts.
    static func decidesTrue(_ template: String, in context: ExpressionContext) -> Bool {
        guard let text = try? Template.render(template, in: context) else { return false }
        return text.trimmingCharacters(in: .whitespaces).lowercased() == "true"
    }

    static func usesAlways(_ condition: String?) -> Bool {
        guard let condition, let expression = try? Template.condition(condition) else { return false }
        return expression.calledFunctions.contains("always") || expression.calledFunctions.contains("cancelled")
    }
}
