import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel

/// Runs assignments in this process: each step's process through `ProcessRunner`, built-in actions
/// from the registry, output masked and streamed to the log and the console.
public struct LocalJobExecutor: JobExecutor {
    let processes: ProcessRunner
    let actions: ActionRegistry
    let masker: SecretMasker
    let observer: any RunObserver

    init(processes: ProcessRunner, actions: ActionRegistry, masker: SecretMasker, observer: any RunObserver) {
        self.processes = processes
        self.actions = actions
        self.masker = masker
        self.observer = observer
    }

    public func execute(_ assignment: JobAssignment, log: any JobLogSink, cancellation: CancellationFlag) async
        -> JobExecutionReport
    {
        var runner = AttemptRunner(assignment: assignment, services: self, log: log, cancellation: cancellation)
        let status: JobStatus
        let reason: String?
        do {
            (status, reason) = try await runner.run()
        } catch {
            (status, reason) = (.failure, "\(error)")
        }
        return JobExecutionReport(
            status: status, reason: reason, outputs: runner.outputs, attempts: runner.attempts)
    }
}

/// The attempts of one assignment: steps in order under the job's timeout, retried as `retry:`
/// allows, then the job's outputs rendered.
struct AttemptRunner {
    let assignment: JobAssignment
    let services: LocalJobExecutor
    let log: any JobLogSink
    /// This job's: it follows the run's, and a matrix's fail-fast may set it alone.
    let cancellation: CancellationFlag
    var attempts: [AttemptRecord] = []
    var outputs: [String: String] = [:]
    /// A workflow's `::add-mask::` values, for every later step of the job (nil for a `gantry.yml`).
    let workflowCommands: WorkflowCommands?

    init(assignment: JobAssignment, services: LocalJobExecutor, log: any JobLogSink, cancellation: CancellationFlag) {
        self.assignment = assignment
        self.services = services
        self.log = log
        self.cancellation = cancellation
        // Step debugging is turned on as on GitHub, by a variable of the job or of gantry's environment.
        if assignment.runnerVariables.isEmpty {
            workflowCommands = nil
        } else {
            let flag = { (name: String) in assignment.environment[name] ?? assignment.baseEnvironment[name] }
            workflowCommands = WorkflowCommands(
                debug: flag("ACTIONS_STEP_DEBUG") == "true" || flag("RUNNER_DEBUG") == "1")
        }
    }

    mutating func run() async throws -> (JobStatus, String?) {
        let context = assignment.expressionContext
        let workingDirectory = URL(fileURLWithPath: assignment.workingDirectory, isDirectory: true)
        let retry = assignment.job.retry ?? RetryPolicy(max: 0)
        var attempt = 1
        while true {
            let outcome = try await runAttempt(
                attempt, context: context, jobEnv: assignment.environment, workingDirectory: workingDirectory)
            switch outcome.status {
            case .success:
                outputs = try renderOutputs(context: context, steps: outcome.steps)
                return (.success, nil)
            case .cancelled:
                return (.cancelled, outcome.reason)
            default:
                let retriable = outcome.attemptOutcome.map(retry.retries) ?? false
                guard retriable, attempt <= retry.max, !cancellation.isCancelled else {
                    if retry.max > 0 && attempt > retry.max && retriable {
                        return (.retriesExhausted, "\(outcome.reason ?? "failed") after \(attempt) attempts")
                    }
                    return (outcome.status, outcome.reason)
                }
                let delay = retry.delay(beforeRetry: attempt)
                services.observer.jobRetrying(
                    assignment.name, attempt: attempt + 1, delay: delay, reason: outcome.reason ?? "failed")
                log.event("retry", step: nil, attempt: attempt + 1, fields: [("delay_ms", String(delay.milliseconds))])
                if await sleepUnlessCancelled(delay) == false { return (.cancelled, "run cancelled") }
                attempt += 1
            }
        }
    }

    private func renderOutputs(context: ExpressionContext, steps: ExpressionValue) throws -> [String: String] {
        var context = context
        context.roots["steps"] = steps
        var rendered: [String: String] = [:]
        for (name, template) in assignment.job.outputs { rendered[name] = try Template.render(template, in: context) }
        return rendered
    }

    private func sleepUnlessCancelled(_ delay: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: delay)
        while clock.now < end {
            if cancellation.isCancelled { return false }
            try? await Task.sleep(for: min(.milliseconds(100), end - clock.now))
        }
        return !cancellation.isCancelled
    }
}
