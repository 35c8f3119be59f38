import Foundation
import GantryCore
import Pipeline
import Processes
import Store

/// Deploys a digest with the `process` driver: asks the environment's `gantry proxy` host to start it
/// (it unpacks, starts and probes it, without traffic), waits until it is ready, then switches all
/// traffic to it in one step and waits until the proxy routes by the switch. The release it replaces
/// is retired: it drains for the driver's `drain` and stops, and a rollback within that time is
/// instant (it is still running).
struct ProcessDeployDriver {
    var state: StateStore
    var app: String
    var environment: String
    var definition: ProcessDeployDefinition
    /// How long the release may take to become ready and receive the traffic.
    var timeout: Duration
    var cancellation: CancellationFlag
    var report: @Sendable (String) -> Void

    func deploy(_ digest: Digest) async -> CommandRunner.Result {
        do {
            guard let host = try state.environmentHost(app: app, environment: environment), host.isAlive() else {
                return CommandRunner.Result(
                    succeeded: false,
                    summary:
                        "no gantry proxy hosts \(app) in \(environment): start 'gantry proxy --env \(environment) --app \(app)' (it runs the releases and serves their traffic), then promote again"
                )
            }
            report("  host: gantry proxy (pid \(host.pid) on \(host.host)) serving on \(host.listen)")
            let deadline = ContinuousClock.now + timeout
            try state.wantCanary(app: app, environment: environment, digest: digest, weight: 0)
            report("  starting \(digest.short) without traffic; waiting until it is ready")
            let ready = try await wait(digest, until: deadline) {
                $0.role != .retired && $0.state == .ready && $0.applied
            }
            guard ready.passed else {
                try? state.retireInstance(app: app, environment: environment, digest: digest)
                return CommandRunner.Result(
                    succeeded: false, summary: "release \(digest.short) did not become ready: \(ready.detail)",
                    cancelled: ready.cancelled)
            }
            report("  ready: \(ready.detail)")
            try state.makeStable(app: app, environment: environment, digest: digest)
            let switched = try await wait(digest, until: deadline) { $0.role == .stable && $0.applied }
            guard switched.passed else {
                return CommandRunner.Result(
                    succeeded: false,
                    summary: "the proxy did not switch the traffic to \(digest.short): \(switched.detail)",
                    cancelled: switched.cancelled)
            }
            return CommandRunner.Result(succeeded: true, summary: "all traffic on \(digest.short)")
        } catch {
            return CommandRunner.Result(succeeded: false, summary: "\(error)")
        }
    }

    /// Polls the instance every 100 ms until `condition` holds, the deadline, a cancellation, or the
    /// host going away.
    private func wait(
        _ digest: Digest, until deadline: ContinuousClock.Instant, _ condition: (ReleaseInstance) -> Bool
    ) async throws -> (passed: Bool, detail: String, cancelled: Bool) {
        var detail = "no report from the host yet"
        while ContinuousClock.now < deadline {
            if cancellation.isCancelled { return (false, "cancelled", true) }
            let instance = try state.releaseInstances(app: app, environment: environment).first { $0.digest == digest }
            guard let instance else { return (false, "its record was removed", false) }
            if !instance.detail.isEmpty { detail = instance.detail }
            if condition(instance) { return (true, detail, false) }
            if try state.environmentHost(app: app, environment: environment)?.isAlive() != true {
                return (false, "the gantry proxy host stopped", false)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (false, "timed out after \(timeout.humanShort) (\(detail))", false)
    }
}
