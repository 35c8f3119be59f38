import ArgumentParser
import Foundation
import GantryCore
import Store

/// `gantry rollout status|promote|abort|pause|resume|retry APP --env ENV`: a canary rollout of the
/// `process` driver.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout", abstract: "Show, continue, pause, abort or retry a canary rollout (process driver).",
        discussion: "See docs/rollouts.md.",
        subcommands: [
            RolloutStatusCommand.self, RolloutPromoteCommand.self, RolloutAbortCommand.self, RolloutPauseCommand.self,
            RolloutResumeCommand.self, RolloutRetryCommand.self,
        ])
}

/// The app and environment a rollout command acts on.
struct RolloutTarget: ParsableArguments {
    @Argument(help: "The application.")
    var app: String

    @Option(help: "The environment.")
    var env: String
}

/// `gantry rollout status APP --env ENV`.
struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The releases of an app in an environment: role, weight, state, traffic; and the rollout's analyses.")

    @OptionGroup var target: RolloutTarget

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let state = try StateLocation.existingRepositories()
        let instances = try await state.releaseInstances(app: target.app, environment: target.env)
        let promotion = try await state.promotions(app: target.app, environment: target.env, limit: 1).first
        let analyses =
            if let promotion { try await state.analyses(promotionID: promotion.id) } else { [RolloutAnalysisRecord]() }
        let host = try await state.environmentHost(app: target.app, environment: target.env)
        // Where the rollout in progress is; nothing once it ended.
        let progress = try await state.rolloutProgress(app: target.app, environment: target.env).flatMap {
            $0.promotionID == promotion?.id && promotion?.status == .deploying ? $0 : nil
        }
        // Releases die with their host: without a live one, what it last reported is history.
        let hostRunning = host?.isAlive() == true
        func shownState(_ instance: ReleaseInstance) -> String { hostRunning ? instance.state.rawValue : "stopped" }
        func shownDetail(_ instance: ReleaseInstance) -> String {
            hostRunning ? instance.detail : "the host is not running (last reported: \(instance.state.rawValue))"
        }
        if json {
            var object: [String: Any] = [
                "releases": instances.map { instance -> [String: Any] in
                    var row: [String: Any] = [
                        "digest": instance.digest, "role": instance.role.rawValue, "weight": instance.weight,
                        "state": shownState(instance), "detail": shownDetail(instance),
                    ]
                    row["port"] = instance.port
                    if let traffic = instance.traffic { row["traffic"] = Self.traffic(traffic) }
                    return row
                },
                "analyses": analyses.map {
                    [
                        "step": $0.step, "at": Timestamp.iso8601($0.at), "passed": $0.passed, "detail": $0.detail,
                        "canary": Self.traffic($0.canary), "stable": Self.traffic($0.stable),
                    ] as [String: Any]
                },
            ]
            object["promotion"] = promotion.map(ReleaseJSON.promotion) ?? NSNull()
            object["rollout"] =
                progress.map {
                    [
                        "step": $0.step + 1, "steps": $0.steps, "phase": $0.phase, "paused": $0.pausedBy != nil,
                        "paused_by": $0.pausedBy ?? NSNull(),
                    ] as [String: Any]
                } ?? NSNull()
            object["host"] =
                host.map {
                    ["pid": $0.pid, "host": $0.host, "listen": $0.listen, "alive": $0.isAlive()] as [String: Any]
                } ?? NSNull()
            return Terminal.printOut(Terminal.json(object))
        }
        if let host {
            Terminal.printOut(
                "host: gantry proxy pid \(host.pid) on \(host.host), serving \(host.listen)"
                    + (host.isAlive() ? "" : " — not running (no heartbeat)"))
        } else {
            Terminal.printOut("host: none (start 'gantry proxy --env \(target.env) --app \(target.app)')")
        }
        var table = TextTable(["DIGEST", "ROLE", "WEIGHT", "STATE", "REQUESTS", "5XX", "P99", "DETAIL"])
        for instance in instances {
            let traffic = instance.traffic ?? TrafficCounters()
            table.add([
                instance.digest.short, instance.role.rawValue, "\(instance.weight)", shownState(instance),
                "\(traffic.requests)", "\(traffic.serverErrors)",
                traffic.latency(quantile: 0.99).map { $0.isFinite ? String(format: "%.1fms", $0 * 1000) : ">10s" }
                    ?? "-",
                shownDetail(instance),
            ])
        }
        Terminal.printOut(instances.isEmpty ? "no release runs \(target.app) in \(target.env)" : table.rendered)
        if let promotion {
            Terminal.printOut("latest promotion \(promotion.id): \(promotion.status.rawValue) — \(promotion.detail)")
            if let progress {
                Terminal.printOut(
                    "  rollout at step \(progress.step + 1)/\(progress.steps): \(progress.phase)"
                        + (progress.pausedBy.map {
                            " — PAUSED by \($0) ('gantry rollout resume \(target.app) --env \(target.env)')"
                        } ?? ""))
            }
            for analysis in analyses {
                Terminal.printOut(
                    "  analysis at step \(analysis.step + 1): \(analysis.passed ? "passed" : "failed") — \(analysis.detail)"
                )
            }
        }
    }

    static func traffic(_ counters: TrafficCounters) -> [String: Any] {
        var object: [String: Any] = [
            "requests": counters.requests, "responses_5xx": counters.serverErrors, "failures": counters.failures,
        ]
        object["error_ratio"] = counters.errorRatio
        object["p99_seconds"] = counters.latency(quantile: 0.99).flatMap { $0.isFinite ? $0 : nil }
        return object
    }
}

/// A `gantry rollout` subcommand that sends one request to the rollout in progress.
protocol RolloutSignalCommand: AsyncParsableCommand {
    static var signal: RolloutSignal { get }
    /// What was asked, for the confirmation line (`continue`, `abort`, …).
    static var verb: String { get }
    var target: RolloutTarget { get }
}

extension RolloutSignalCommand {
    func run() async throws {
        try await RolloutSignalSender(target: target).send(Self.signal)
        Terminal.printOut("asked the rollout of \(target.app) in \(target.env) to \(Self.verb)")
    }
}

/// `gantry rollout promote APP --env ENV`: go on past the current pause.
struct RolloutPromoteCommand: RolloutSignalCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Continue a rollout past its current pause.")
    static let signal = RolloutSignal.promote
    static let verb = "continue"
    @OptionGroup var target: RolloutTarget
}

/// `gantry rollout abort APP --env ENV`: all traffic back to the stable release.
struct RolloutAbortCommand: RolloutSignalCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort a rollout: all traffic back to the stable release within a second, the canary stopped.")
    static let signal = RolloutSignal.abort
    static let verb = "abort"
    @OptionGroup var target: RolloutTarget
}

/// `gantry rollout pause APP --env ENV`: hold the rollout where it is.
struct RolloutPauseCommand: RolloutSignalCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a rollout where it is: weights stay, a pause's or an analysis' clock stops, until resumed.")
    static let signal = RolloutSignal.pause
    static let verb = "pause"
    @OptionGroup var target: RolloutTarget
}

/// `gantry rollout resume APP --env ENV`: go on after `gantry rollout pause`.
struct RolloutResumeCommand: RolloutSignalCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused rollout with what was left of its step.")
    static let signal = RolloutSignal.resume
    static let verb = "resume"
    @OptionGroup var target: RolloutTarget
}

/// Sends a request to the rollout in progress; refuses when there is none, or when it cannot apply
/// (resuming a rollout that is not paused, pausing one that is).
struct RolloutSignalSender {
    var target: RolloutTarget

    func send(_ signal: RolloutSignal) async throws {
        let state = try StateLocation.existingRepositories()
        guard let open = try await state.openPromotion(app: target.app, environment: target.env),
            open.status == .deploying
        else {
            throw InputError(
                "no rollout of \(target.app) is in progress in \(target.env) (see 'gantry rollout status')")
        }
        let progress = try await state.rolloutProgress(app: target.app, environment: target.env)
            .flatMap { $0.promotionID == open.id ? $0 : nil }
        if signal == .resume, progress?.pausedBy == nil {
            throw InputError(
                "the rollout of \(target.app) in \(target.env) is not paused (a pause step ends with 'gantry rollout promote')"
            )
        }
        if signal == .pause, let by = progress?.pausedBy {
            throw InputError("the rollout of \(target.app) in \(target.env) is already paused (by \(by))")
        }
        let actor = AuditActor.current()
        try await state.sendRolloutSignal(app: target.app, environment: target.env, signal, actor: actor, at: Date())
        try await state.appendAudit(
            actor: actor, action: "rollout.\(signal.rawValue)", subject: "\(target.app)@\(open.digest)",
            details: ["environment": target.env, "promotion": open.id])
    }
}
