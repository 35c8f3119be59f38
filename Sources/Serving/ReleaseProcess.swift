import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel
import Synchronization

/// One release of an app, run as a process on a loopback port: started, probed until ready,
/// restarted with backoff (1 s doubling to 30 s) when it exits, stopped with SIGTERM and SIGKILL
/// after the grace period. Its output goes to a log file (rotated at 10 MiB). It dies with the host
/// that runs it.
final class ReleaseProcess: Sendable {
    let digest: Digest
    let folder: URL
    private let definition: ProcessDeployDefinition
    private let environment: [String: String]
    private let masker: SecretMasker
    private let log: URL
    private let cancellation = CancellationFlag()
    private let status = Mutex<(state: ReleaseInstance.State, port: Int?, detail: String)>(
        (.pending, nil, "not started"))
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(
        digest: Digest, folder: URL, definition: ProcessDeployDefinition, environment: [String: String],
        masker: SecretMasker = SecretMasker(), log: URL
    ) {
        self.masker = masker
        self.digest = digest
        self.folder = folder
        self.definition = definition
        self.environment = environment
        self.log = log
    }

    /// What it is doing now.
    var current: (state: ReleaseInstance.State, port: Int?, detail: String) { status.withLock { $0 } }

    func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { await self.supervise() }
        }
    }

    /// Stops it (SIGTERM to its process group, SIGKILL after the grace period) and waits.
    func stop() async {
        cancellation.cancel()
        let running = task.withLock { $0 }
        await running?.value
        status.withLock { $0 = (.stopped, $0.port, "stopped") }
    }

    private func set(_ state: ReleaseInstance.State, port: Int?, _ detail: String) {
        status.withLock { $0 = (state, port, detail) }
    }

    private func supervise() async {
        var backoff = Duration.seconds(1)
        var restarts = 0
        let output = ReleaseLog(url: log)
        defer { output.close() }
        // With secrets, the log is written line by line (stdout and stderr each split on their own, so
        // their lines interleave but never mix) with the secrets masked.
        while !cancellation.isCancelled {
            guard let port = LoopbackPort.free() else {
                set(.failed, port: nil, "no free loopback port")
                await pause(backoff)
                continue
            }
            set(
                .starting, port: port,
                restarts == 0 ? "starting on port \(port)" : "restarting on port \(port) (restart \(restarts))")
            var variables = environment
            variables[definition.portEnv] = "\(port)"
            let spec = ProcessSpec(
                executable: "bash", arguments: ["-c", definition.command], environment: variables,
                workingDirectory: folder.path)
            let flag = CancellationFlag(following: cancellation)
            let runner = ProcessRunner(killGrace: definition.stopGrace)
            let started = ContinuousClock.now
            let lines = MaskedOutput(masker: masker) { data, _ in output.write(data) }
            let process = Task {
                let outcome = try? await runner.run(
                    spec, timeout: .seconds(100 * 365 * 24 * 3600), cancellation: flag
                ) { stream, bytes in
                    lines.feed(bytes, isError: stream == .stderr)
                }
                lines.finish()
                return outcome
            }
            let probe = ReadinessProbe(
                readiness: definition.readiness, workingDirectory: folder, environment: variables)
            let readiness = Task {
                while !Task.isCancelled {
                    let result = await probe.check(port: port)
                    if result.ready {
                        self.set(.ready, port: port, "ready: \(result.detail)")
                        return
                    }
                    self.status.withLock { $0.detail = "not ready: \(result.detail)" }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            let outcome = await process.value
            readiness.cancel()
            if cancellation.isCancelled { break }
            let ended =
                outcome.map { $0.signal.map { "killed by signal \($0)" } ?? "exited with status \($0.exitCode ?? -1)" }
                ?? "could not start"
            // A release that ran well for a minute starts again from a short backoff.
            if ContinuousClock.now - started > .seconds(60) { backoff = .seconds(1) }
            restarts += 1
            set(.failed, port: nil, "\(ended); restarting in \(backoff.humanShort)")
            await pause(backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    /// Waits `duration`, or less when the release is stopped meanwhile.
    private func pause(_ duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !cancellation.isCancelled && ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
