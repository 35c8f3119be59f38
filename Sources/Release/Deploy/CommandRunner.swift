public import Foundation
import GantryCore
import Pipeline
import Processes

/// Runs deploy and health-check commands with `bash -eo pipefail -c` in their own process group,
/// passing their output through and stopping the whole group at the timeout.
public struct CommandRunner: Sendable {
    /// Receives the command's output as it comes (`true` for stderr).
    public typealias OutputHandler = @Sendable (Data, Bool) -> Void

    public var workingDirectory: URL
    public var baseEnvironment: [String: String]
    public var output: OutputHandler
    /// Stops the command (SIGTERM to everything it started, SIGKILL after 5 s) when set.
    public var cancellation: CancellationFlag
    /// The `GANTRY_OWNER` mark the command and its descendants carry; nil for a fresh one.
    public var ownerMark: String?
    /// Secret values replaced by `***` in the output (line by line, so a value split across reads is
    /// still found); empty when the environment has no secrets.
    public var masker = SecretMasker()

    public init(
        workingDirectory: URL, baseEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        cancellation: CancellationFlag = CancellationFlag(), ownerMark: String? = nil,
        output: @escaping OutputHandler
    ) {
        self.cancellation = cancellation
        self.ownerMark = ownerMark
        self.workingDirectory = workingDirectory
        self.baseEnvironment = baseEnvironment
        self.output = output
    }

    /// How a command ended, in words when it failed.
    public struct Result: Sendable, Hashable {
        public var succeeded: Bool
        public var summary: String
        /// A signal cancelled it.
        public var cancelled: Bool = false
        /// A canary rollout was aborted: the traffic is back on the stable release; nothing to redeploy.
        public var aborted: Bool = false
    }

    /// Runs `command` with `environment` added to the base environment.
    public func run(_ command: String, environment: [String: String], timeout: Duration) async -> Result {
        await run(
            executable: "bash", arguments: ["-eo", "pipefail", "-c", command], environment: environment,
            timeout: timeout)
    }

    /// Runs `executable` (looked up on the `PATH` of the command's environment) with `arguments`,
    /// never through a shell.
    public func run(
        executable: String, arguments: [String], environment: [String: String], timeout: Duration
    ) async -> Result {
        var variables = baseEnvironment
        variables.merge(environment) { _, new in new }
        let spec = ProcessSpec(
            executable: executable, arguments: arguments, environment: variables,
            workingDirectory: workingDirectory.path, ownerMark: ownerMark)
        let output = MaskedOutput(masker: masker, output: self.output)
        defer { output.finish() }
        do {
            let outcome = try await ProcessRunner(killGrace: .seconds(5)).run(
                spec, timeout: timeout, cancellation: cancellation
            ) { stream, bytes in
                output.feed(bytes, isError: stream == .stderr)
            }
            if outcome.cancelled { return Result(succeeded: false, summary: "cancelled", cancelled: true) }
            if outcome.succeeded { return Result(succeeded: true, summary: "exit 0") }
            if outcome.timedOut {
                return Result(succeeded: false, summary: "timed out after \(timeout.humanShort)")
            }
            if let signal = outcome.signal {
                return Result(
                    succeeded: false, summary: "killed by \(SignalNames.name(of: signal) ?? "signal \(signal)")")
            }
            return Result(succeeded: false, summary: "exit \(outcome.exitCode ?? -1)")
        } catch {
            return Result(succeeded: false, summary: "could not start: \(error)")
        }
    }
}
