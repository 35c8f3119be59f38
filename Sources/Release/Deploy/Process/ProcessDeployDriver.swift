import Foundation
import GantryCore
import Pipeline
import Processes
import StateModel

/// Deploys a digest with the `process` driver: asks the environment's `gantry proxy` host to start it
/// (it unpacks, starts and probes it, without traffic), waits until it is ready, then moves the
/// traffic to it — in one step, or through the environment's canary strategy — and waits until the
/// proxy routes by it. The release it replaces is retired: it drains for the driver's `drain` and
/// stops, and a rollback within that time is instant (it is still running).
struct ProcessDeployDriver {
    var state: any StateRepositories
    var app: String
    var environment: String
    var definition: ProcessDeployDefinition
    /// Canary steps; nil (and always for rollbacks) switches all traffic at once.
    var strategy: RolloutStrategy?
    var promotionID: String
    /// How long the release may take to become ready, and the proxy to follow each change.
    var timeout: Duration
    var cancellation: CancellationFlag
    var report: @Sendable (String) -> Void
    /// The rollout's step and manual pause, as `gantry rollout status` shows them.
    private let control: RolloutControl

    init(
        state: any StateRepositories, app: String, environment: String, definition: ProcessDeployDefinition,
        strategy: RolloutStrategy?, promotionID: String, timeout: Duration, cancellation: CancellationFlag,
        report: @escaping @Sendable (String) -> Void
    ) {
        self.state = state
        self.app = app
        self.environment = environment
        self.definition = definition
        self.strategy = strategy
        self.promotionID = promotionID
        self.timeout = timeout
        self.cancellation = cancellation
        self.report = report
        control = RolloutControl(state: state, app: app, environment: environment, promotionID: promotionID)
    }

    func deploy(_ digest: Digest) async -> CommandRunner.Result {
        do {
            let found = try await state.environmentHost(app: app, environment: environment)
            guard let host = found, host.isAlive() else {
                return CommandRunner.Result(
                    succeeded: false,
                    summary:
                        "no gantry proxy hosts \(app) in \(environment) (\(EnvironmentHostRecord.absence(of: found))): start 'gantry proxy --env \(environment) --app \(app)' (it runs the releases and serves their traffic), then promote again"
                )
            }
            report("  host: gantry proxy (pid \(host.pid) on \(host.host)) serving on \(host.listen)")
            let stable = try await state.releaseInstances(app: app, environment: environment)
                .first { $0.role == .stable && $0.digest != digest }?.digest
            try await state.clearRolloutSignal(app: app, environment: environment)
            try await state.wantCanary(app: app, environment: environment, digest: digest, weight: 0)
            report("  starting \(digest.short) without traffic; waiting until it is ready")
            let ready = try await wait(digest, for: timeout) { $0.role != .retired && $0.state == .ready && $0.applied }
            guard ready.passed else {
                try? await state.retireInstance(app: app, environment: environment, digest: digest)
                return CommandRunner.Result(
                    succeeded: false, summary: "release \(digest.short) did not become ready: \(ready.detail)",
                    cancelled: ready.cancelled)
            }
            report("  ready: \(ready.detail)")
            if let strategy, let stable {
                let rollout = try await runSteps(strategy, canary: digest, stable: stable)
                guard rollout.passed else {
                    try await state.abortCanary(app: app, environment: environment, digest: digest)
                    report("  ✗ aborted: all traffic back on \(stable.short); \(digest.short) stopped after its drain")
                    _ = try? await wait(stable, for: .seconds(5)) { $0.applied }
                    return CommandRunner.Result(
                        succeeded: false, summary: "canary aborted: \(rollout.detail)", cancelled: rollout.cancelled,
                        aborted: !rollout.cancelled)
                }
            } else if strategy != nil {
                report("  first release in \(environment): no stable release to compare with, so no canary steps")
            }
            try await state.makeStable(app: app, environment: environment, digest: digest)
            let switched = try await wait(digest, for: timeout) { $0.role == .stable && $0.applied }
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

    /// What a rollout's steps ended with.
    private struct Outcome {
        var passed: Bool
        var detail: String
        var cancelled = false
        /// The canary stopped being ready (it exited, or its readiness check failed).
        var canaryStopped = false
    }

    /// Runs the canary steps; `gantry rollout promote` ends a pause, `pause`/`resume` hold and release
    /// the rollout where it is, `abort` stops everything — each at the next check (every 100 ms).
    private func runSteps(_ strategy: RolloutStrategy, canary: Digest, stable: Digest) async throws -> Outcome {
        for (index, step) in strategy.steps.enumerated() {
            let label = "step \(index + 1)/\(strategy.steps.count)"
            // Paused (or aborted) between steps: held before the next one. A pending promote is left for
            // the next pause step, which it ends.
            if let pending = try await state.pendingRolloutSignal(app: app, environment: environment),
                pending != .promote,
                let stop = try await hold(for: .zero, continueOnPromote: true, watching: canary)
            {
                return stop
            }
            await control.progress(step: index, of: strategy.steps.count, step.phase)
            switch step {
            case .setWeight(let weight):
                try await state.setCanaryWeight(app: app, environment: environment, digest: canary, weight: weight)
                let applied = try await wait(canary, for: timeout) { $0.applied }
                guard applied.passed else {
                    return Outcome(passed: false, detail: "the proxy did not apply weight \(weight): \(applied.detail)")
                }
                report("  \(label): \(canary.short) takes \(weight)% of new requests")
            case .pause(let duration):
                report(
                    "  \(label): paused "
                        + (duration.map { "for \($0.humanShort)" }
                            ?? "until 'gantry rollout promote \(app) --env \(environment)'"))
                if let stop = try await hold(for: duration, continueOnPromote: true, watching: canary) { return stop }
            case .analysis(let analysis):
                report(
                    "  \(label): analysing \(canary.short) against \(stable.short) over \(analysis.window.humanShort)"
                        + (analysis.prometheus.map { " with Prometheus at \($0.address)" } ?? ""))
                let verdict = try await analyse(analysis, canary: canary, stable: stable, step: index)
                report("  \(label): \(verdict.passed ? "✓" : "✗") \(verdict.detail)")
                if !verdict.passed { return verdict }
            }
        }
        return Outcome(passed: true, detail: "all steps passed")
    }

    /// Waits `duration` (forever when nil; `.zero` only looks), checking for `gantry rollout` requests,
    /// cancellation, and the canary: one that stops being ready (it crashed, or its readiness check
    /// fails) ends the rollout at once, as a crashing pod degrades an Argo rollout. A manual pause
    /// stops the clock: the time paused is added to `duration`. Returns an outcome to stop with, or
    /// nil to go on.
    private func hold(for duration: Duration?, continueOnPromote: Bool, watching canary: Digest) async throws
        -> Outcome?
    {
        var end = duration.map { ContinuousClock.now + $0 }
        while true {
            if cancellation.isCancelled { return Outcome(passed: false, detail: "cancelled", cancelled: true) }
            if let instance = try await state.releaseInstances(app: app, environment: environment).first(where: {
                $0.digest == canary
            }), instance.state != .ready {
                return Outcome(
                    passed: false, detail: "the canary \(canary.short) stopped being ready: \(instance.detail)",
                    canaryStopped: true)
            }
            if let request = try await state.takeRolloutSignal(app: app, environment: environment) {
                switch request.signal {
                case .abort: return Outcome(passed: false, detail: "aborted by \(request.actor)")
                case .pause:
                    if await control.pause(by: request.actor) {
                        report(
                            "  paused by \(request.actor): 'gantry rollout resume \(app) --env \(environment)' goes on")
                    }
                case .resume, .promote:
                    if let paused = await control.resume() {
                        end = end.map { $0 + paused }
                        report("  resumed by \(request.actor) after \(paused.humanShort)")
                    }
                    if request.signal == .promote {
                        report("  promoted by \(request.actor)")
                        if continueOnPromote { return nil }
                    }
                }
            }
            if !control.isPaused, let end, ContinuousClock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Measures the canary and the stable release over the same window (extended up to five times
    /// until the canary has `minRequests`), judges, and records the analysis with its numbers.
    private func analyse(_ analysis: RolloutAnalysis, canary: Digest, stable: Digest, step: Int) async throws
        -> Outcome
    {
        if let prometheus = analysis.prometheus {
            return try await analyse(prometheus, window: analysis.window, canary: canary, stable: stable, step: step)
        }
        let (canaryStart, stableStart) = try await counters(canary, stable)
        var canaryWindow = TrafficCounters()
        var stableWindow = TrafficCounters()
        var rounds = 0
        repeat {
            if var stop = try await hold(for: analysis.window, continueOnPromote: false, watching: canary) {
                if stop.canaryStopped {
                    // Kept like any verdict, with what the window saw until then.
                    let seen = try await traffic(canary, stable, since: (canaryStart, stableStart))
                    stop.detail += " (\(Self.judge(analysis, canary: seen.canary, stable: seen.stable).detail))"
                    try await record(step: step, passed: false, detail: stop.detail, seen)
                }
                return stop
            }
            (canaryWindow, stableWindow) = try await traffic(canary, stable, since: (canaryStart, stableStart))
            rounds += 1
        } while canaryWindow.requests + canaryWindow.failures < analysis.minRequests && rounds < 5
        let verdict = Self.judge(analysis, canary: canaryWindow, stable: stableWindow)
        try await record(step: step, passed: verdict.passed, detail: verdict.detail, (canaryWindow, stableWindow))
        return Outcome(passed: verdict.passed, detail: verdict.detail)
    }

    /// Waits the window, then asks Prometheus for the query's number and checks the success
    /// condition. No number yet (no series, NaN) or an unreachable server waits another window, up to
    /// five; a query Prometheus refuses fails at once. Recorded with the proxy's counters of the window.
    private func analyse(_ check: PrometheusCheck, window: Duration, canary: Digest, stable: Digest, step: Int)
        async throws -> Outcome
    {
        let query = check.renderedQuery(
            canary: canary.short, stable: stable.short, app: app, environment: environment)
        let start = try await counters(canary, stable)
        func record(_ passed: Bool, _ detail: String) async throws {
            let window = try await traffic(canary, stable, since: start)
            try await self.record(step: step, passed: passed, detail: detail, window)
        }
        let client: PrometheusClient
        switch check.address.resolve(in: ProcessInfo.processInfo.environment) {
        case .success(let address): client = PrometheusClient(address: address)
        case .failure(let problem):
            try await record(false, problem.description)
            return Outcome(passed: false, detail: problem.description)
        }
        var pending = "no answer yet"
        for round in 1...5 {
            if let stop = try await hold(for: window, continueOnPromote: false, watching: canary) {
                if stop.canaryStopped { try await record(false, stop.detail) }
                return stop
            }
            switch await client.query(query) {
            case .success(.value(let value)):
                let passed = check.successCondition.holds(for: value)
                let detail =
                    "Prometheus: \(PrometheusCondition.format(value)), which \(passed ? "meets" : "fails") \(check.successCondition)"
                try await record(passed, detail)
                return Outcome(passed: passed, detail: detail)
            case .success(.noData(let why)):
                pending = why
            case .failure(let error) where error.permanent:
                try await record(false, error.message)
                return Outcome(passed: false, detail: error.message)
            case .failure(let error):
                pending = error.message
            }
            if round < 5 { report("    no verdict yet (\(pending)); waiting another \(window.humanShort)") }
        }
        let detail = "inconclusive after 5 windows: \(pending)"
        try await record(false, detail)
        return Outcome(passed: false, detail: detail)
    }

    /// The two releases' traffic since `start` (their counters when the window opened).
    private func traffic(_ canary: Digest, _ stable: Digest, since start: (TrafficCounters, TrafficCounters))
        async throws -> (canary: TrafficCounters, stable: TrafficCounters)
    {
        let (canaryNow, stableNow) = try await counters(canary, stable)
        return (canaryNow.since(start.0), stableNow.since(start.1))
    }

    /// Keeps one analysis with the traffic its window saw.
    private func record(
        step: Int, passed: Bool, detail: String, _ window: (canary: TrafficCounters, stable: TrafficCounters)
    ) async throws {
        try await state.recordAnalysis(
            RolloutAnalysisRecord(
                promotionID: promotionID, step: step, passed: passed, detail: detail, canary: window.canary,
                stable: window.stable))
    }

    private func counters(_ canary: Digest, _ stable: Digest) async throws -> (TrafficCounters, TrafficCounters) {
        let instances = try await state.releaseInstances(app: app, environment: environment)
        return (
            instances.first { $0.digest == canary }?.traffic ?? TrafficCounters(),
            instances.first { $0.digest == stable }?.traffic ?? TrafficCounters()
        )
    }

    /// The verdict on one window: enough canary requests, an error ratio at most `maxErrorRatio` above
    /// the stable release's, and a p99 at most `maxP99Ratio` times the stable's (differences under
    /// 5 ms are not judged: they are noise at these sizes).
    static func judge(_ analysis: RolloutAnalysis, canary: TrafficCounters, stable: TrafficCounters) -> (
        passed: Bool, detail: String
    ) {
        let attempted = canary.requests + canary.failures
        guard attempted >= analysis.minRequests else {
            return (
                false,
                "inconclusive: the canary had \(attempted) requests, fewer than min_requests \(analysis.minRequests)"
            )
        }
        func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
        func milliseconds(_ value: Double) -> String {
            value.isFinite ? String(format: "%.1f ms", value * 1000) : "> 10 s"
        }
        let canaryErrors = canary.errorRatio ?? 0
        let stableErrors = stable.errorRatio ?? 0
        var numbers =
            "\(attempted) requests, error ratio \(percent(canaryErrors)) (stable \(percent(stableErrors)) over \(stable.requests + stable.failures))"
        let canaryP99 = canary.latency(quantile: 0.99)
        let stableP99 = stable.latency(quantile: 0.99)
        if let canaryP99, let stableP99 {
            numbers += ", p99 \(milliseconds(canaryP99)) (stable \(milliseconds(stableP99)))"
        }
        if canaryErrors > stableErrors + analysis.maxErrorRatio {
            return (
                false,
                "\(numbers): the error ratio exceeds the stable release's by more than \(percent(analysis.maxErrorRatio))"
            )
        }
        if let canaryP99, let stableP99, stableP99 > 0, canaryP99 > stableP99 * analysis.maxP99Ratio,
            canaryP99 - stableP99 > 0.005
        {
            return (false, "\(numbers): p99 is more than \(analysis.maxP99Ratio)× the stable release's")
        }
        return (true, numbers)
    }

    /// Polls the instance every 100 ms until `condition` holds, `limit` passed, a cancellation, or the
    /// host going away.
    private func wait(_ digest: Digest, for limit: Duration, _ condition: (ReleaseInstance) -> Bool) async throws -> (
        passed: Bool, detail: String, cancelled: Bool
    ) {
        let deadline = ContinuousClock.now + limit
        var detail = "no report from the host yet"
        while ContinuousClock.now < deadline {
            if cancellation.isCancelled { return (false, "cancelled", true) }
            let instance = try await state.releaseInstances(app: app, environment: environment).first {
                $0.digest == digest
            }
            guard let instance else { return (false, "its record was removed", false) }
            if !instance.detail.isEmpty { detail = instance.detail }
            if condition(instance) { return (true, detail, false) }
            // The host could not even start it (its artifact is gone, its folder cannot be written):
            // waiting longer changes nothing.
            if instance.state == .failed && instance.detail.hasPrefix("cannot start:") { return (false, detail, false) }
            let host = try await state.environmentHost(app: app, environment: environment)
            if host?.isAlive() != true {
                return (false, "the gantry proxy host stopped (\(EnvironmentHostRecord.absence(of: host)))", false)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (false, "timed out after \(limit.humanShort) (\(detail))", false)
    }
}
