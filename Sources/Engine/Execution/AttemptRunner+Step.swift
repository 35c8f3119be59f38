import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel

/// How one step ended.
struct StepResult {
    var status: StepStatus
    var outcome: AttemptOutcome?
    var reason: String?
    var exitCode: Int32? = nil
    var signal: Int32? = nil
    var outputs: [String: String] = [:]
    var addedEnv: [String: String] = [:]
    /// What a JavaScript action's script saved for its later scripts (`GITHUB_STATE`).
    var savedState: [String: String] = [:]

    init(status: StepStatus, outcome: AttemptOutcome?, reason: String?) {
        self.status = status
        self.outcome = outcome
        self.reason = reason
    }
}

/// Feeds one output stream of a step through the line splitter into the log and the console.
///
/// Invariant for `@unchecked Sendable`: a sink is used only by the single thread that supervises
/// its process (ProcessRunner calls `onOutput` from one thread), so its mutable state is never shared.
final class StreamSink: @unchecked Sendable {
    private var splitter: LineSplitter
    private var batch = LineBatch()
    private let prefix: [UInt8]
    private let log: any JobLogSink
    private let observer: any RunObserver
    private let job: String
    private let stream: ProcessStream

    /// A workflow's commands (`::add-mask::`), shared by the job's sinks; nil for a `gantry.yml`.
    private let commands: WorkflowCommands?
    /// How many of `commands.masks` this sink's splitter has.
    private var masksSeen = 0

    init(
        masker: SecretMasker, log: any JobLogSink, prefix: [UInt8], observer: any RunObserver, job: String,
        stream: ProcessStream, commands: WorkflowCommands? = nil
    ) {
        splitter = LineSplitter(masker: masker)
        self.prefix = prefix
        self.log = log
        self.observer = observer
        self.job = job
        self.stream = stream
        self.commands = commands
        catchUpMasks()
    }

    func feed(_ bytes: UnsafeRawBufferPointer) {
        catchUpMasks()
        splitter.feed(bytes) { accept($0) }
        deliver()
    }

    func finish() {
        catchUpMasks()
        splitter.finish { accept($0) }
        deliver()
    }

    /// Masks added by a command in the chunk being split, for its following lines (the splitter
    /// itself learns them once the chunk is done: it cannot change while it splits).
    private var addedInChunk: SecretMasker?

    /// A line as it goes to the log and the console: a workflow command may replace it (and add a
    /// mask that applies from the next line on, in this stream and the others).
    private func accept(_ line: UnsafeRawBufferPointer) {
        if let commands {
            let action = commands.read(line, stream: stream.rawValue)
            if action != .keep {
                if case .replace(let replaced) = action { replaced.withUnsafeBytes { batch.append($0) } }
                let masks = commands.masks
                if masks.count > masksSeen { addedInChunk = SecretMasker(secrets: Array(masks[masksSeen...])) }
                return
            }
        }
        if let addedInChunk {
            var masked: [UInt8] = []
            if addedInChunk.apply(to: line, into: &masked) {
                masked.withUnsafeBytes { batch.append($0) }
                return
            }
        }
        batch.append(line)
    }

    /// Registers the masks other sinks (or earlier steps) added since this one last looked.
    private func catchUpMasks() {
        addedInChunk = nil
        guard let commands else { return }
        let masks = commands.masks
        while masksSeen < masks.count {
            splitter.addMask(masks[masksSeen])
            masksSeen += 1
        }
    }

    /// Writes a line Gantry itself produces (action messages) through the same masking.
    func note(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        bytes.withUnsafeBytes { feed($0) }
    }

    private func deliver() {
        guard !batch.isEmpty else { return }
        log.lines(prefix: prefix, batch)
        observer.outputLines(job: job, stream: stream, batch)
        batch.removeAll()
    }
}

extension AttemptRunner {
    // swiftlint:disable:next function_parameter_count
    func runStep(
        _ step: StepDefinition, name: String, index: Int, attempt: Int, context: ExpressionContext,
        env: [String: String], workingDirectory: URL, scratch: ScratchFiles, timeout: Duration, jobTimeoutApplies: Bool
    ) async -> StepResult {
        let masker = services.masker
        let stdoutSink = StreamSink(
            masker: masker, log: log, prefix: log.linePrefix(step: name, attempt: attempt, stream: .stdout),
            observer: services.observer, job: assignment.name, stream: .stdout, commands: workflowCommands)
        let stderrSink = StreamSink(
            masker: masker, log: log, prefix: log.linePrefix(step: name, attempt: attempt, stream: .stderr),
            observer: services.observer, job: assignment.name, stream: .stderr, commands: workflowCommands)
        do {
            var directory = workingDirectory
            if let relative = step.workingDirectory {
                let rendered = try Template.render(relative, in: context)
                directory =
                    rendered.hasPrefix("/")
                    ? URL(fileURLWithPath: rendered)
                    : workingDirectory.appendingPathComponent(rendered, isDirectory: true)
                try JobExecution.checkDirectory(directory, what: "working-directory '\(rendered)'")
            }
            if let uses = step.uses {
                return try await runAction(
                    uses, step: step, context: context, env: env, directory: directory, sink: stdoutSink)
            }
            let (script, expressionValues) = try ShellCommand.render(step.run ?? "", shell: step.shell, in: context)
            let outputFile = scratch.path("output-\(index)")
            let envFile = scratch.path("env-\(index)")
            var processEnv = assignment.baseEnvironment.filter { !$0.key.hasPrefix("GANTRY_SECRET_") }
            processEnv.merge(assignment.gantryVariables) { $1 }
            processEnv.merge(env) { $1 }
            for secret in assignment.job.secrets { processEnv[secret] = assignment.secrets[secret] }
            processEnv.merge(expressionValues) { $1 }
            processEnv["GANTRY_OUTPUT"] = outputFile
            processEnv["GANTRY_ENV"] = envFile
            processEnv["GANTRY_STEP"] = name
            // A GitHub workflow's steps write the same files under GitHub's names, and add to PATH.
            let pathFile = scratch.path("path-\(index)")
            let summaryFile = scratch.path("summary-\(index)")
            let stateFile = scratch.path("state-\(index)")
            if !assignment.runnerVariables.isEmpty {
                processEnv["GITHUB_STATE"] = stateFile
                FileManager.default.createFile(atPath: stateFile, contents: nil)
                processEnv["GITHUB_OUTPUT"] = outputFile
                processEnv["GITHUB_ENV"] = envFile
                processEnv["GITHUB_PATH"] = pathFile
                processEnv["GITHUB_STEP_SUMMARY"] = summaryFile
                for file in [outputFile, envFile, pathFile, summaryFile] {
                    FileManager.default.createFile(atPath: file, contents: nil)
                }
            }
            let command = try ShellCommand.make(
                shell: step.shell, script: script, scratch: scratch, index: index, path: processEnv["PATH"])
            let outcome = try await services.processes.run(
                ProcessSpec(
                    executable: command.executable, arguments: command.arguments, environment: processEnv,
                    workingDirectory: directory.path),
                // A step that starts after cancellation is an `always()` clean-up step: let it finish
                // (its timeout still applies; a second Ctrl-C exits gantry at once).
                timeout: timeout,
                cancellation: cancellation.isCancelled ? CancellationFlag() : cancellation
            ) { stream, bytes in
                (stream == .stdout ? stdoutSink : stderrSink).feed(bytes)
            }
            // The step's summary (GitHub shows it on the run's page): kept in the job's log.
            if !assignment.runnerVariables.isEmpty, let summary = StepFileCommands.summary(fileAt: summaryFile) {
                stdoutSink.note("step summary:\n\(summary)")
            }
            stdoutSink.finish()
            stderrSink.finish()
            let commanded = workflowCommands?.endStep()
            var result: StepResult
            if outcome.cancelled {
                result = StepResult(status: .cancelled, outcome: nil, reason: "cancelled")
            } else if outcome.timedOut {
                let which = jobTimeoutApplies ? "job timeout" : "step timeout"
                result = StepResult(
                    status: .timedOut, outcome: .timedOut, reason: "timed out after \(timeout.humanShort) (\(which))")
            } else if let code = outcome.exitCode {
                result = StepResult(
                    status: code == 0 ? .success : .failure, outcome: code == 0 ? nil : .exited(code),
                    reason: code == 0 ? nil : "exited with status \(code)")
            } else {
                let signal = outcome.signal ?? 0
                result = StepResult(
                    status: .failure, outcome: .signaled(signal),
                    reason: "killed by \(SignalNames.name(of: signal) ?? "signal \(signal)")")
            }
            result.exitCode = outcome.exitCode
            result.signal = outcome.signal
            if result.status == .success, let failure = commanded?.failure {
                result = StepResult(status: .failure, outcome: .exited(1), reason: failure)
            }
            if result.status == .success {
                result.outputs = Dictionary(
                    try (commanded?.outputs ?? [])
                        + StepFileCommands.parse(fileAt: outputFile, label: "GANTRY_OUTPUT of step '\(name)'"),
                    uniquingKeysWith: { $1 })
                result.addedEnv = Dictionary(
                    try StepFileCommands.parse(fileAt: envFile, label: "GANTRY_ENV of step '\(name)'"),
                    uniquingKeysWith: { $1 })
                if !assignment.runnerVariables.isEmpty {
                    result.savedState = Dictionary(
                        try (commanded?.states ?? [])
                            + StepFileCommands.parse(fileAt: stateFile, label: "GITHUB_STATE of step '\(name)'"),
                        uniquingKeysWith: { $1 })
                    let added = StepFileCommands.pathEntries(fileAt: pathFile)
                    if !added.isEmpty {
                        let current = result.addedEnv["PATH"] ?? env["PATH"] ?? processEnv["PATH"] ?? ""
                        result.addedEnv["PATH"] = (added.reversed() + [current]).joined(separator: ":")
                    }
                }
            }
            return result
        } catch {
            stderrSink.note("gantry: \(error)")
            stdoutSink.finish()
            stderrSink.finish()
            return StepResult(status: .failure, outcome: .exited(1), reason: "failed: \(error)")
        }
    }

    private func runAction(
        _ uses: String, step: StepDefinition, context: ExpressionContext, env: [String: String], directory: URL,
        sink: StreamSink
    ) async throws -> StepResult {
        let name = String(uses.dropFirst("gantry/".count))
        guard let action = services.actions.action(named: name) else {
            throw ActionError(
                "unknown action '\(uses)' (built-in actions: \(services.actions.names.map { "gantry/\($0)" }.joined(separator: ", ")))"
            )
        }
        var with: [String: String] = [:]
        for (key, value) in step.with { with[key] = try Template.render(value, in: context) }
        let accepted = type(of: action).inputs
        if !accepted.isEmpty, let unknown = with.keys.sorted().first(where: { !accepted.contains($0) }) {
            throw ActionError(
                "\(uses) has no input '\(unknown)'\(Suggestion.hint(for: unknown, in: accepted)) (inputs: \(accepted.joined(separator: ", ")))"
            )
        }
        let outputs = try await action.run(
            ActionInvocation(
                with: with, workingDirectory: directory, environment: env,
                run: RunInfo(
                    runID: assignment.run.id, correlation: assignment.run.correlation, job: assignment.name,
                    commit: assignment.run.sha, branch: assignment.run.branch,
                    pipelineFile: assignment.run.pipelineFile, pipelineDigest: assignment.run.pipelineDigest,
                    startedAt: assignment.run.startedAt, uncommittedChanges: assignment.run.uncommittedChanges),
                log: { sink.note($0) }))
        sink.finish()
        var result = StepResult(status: .success, outcome: nil, reason: nil)
        result.exitCode = 0
        result.outputs = outputs
        return result
    }
}
