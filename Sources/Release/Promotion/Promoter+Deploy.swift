import Artifacts
import Foundation
import GantryCore
import Pipeline
import StateModel
import Synchronization

extension Promoter {
    /// Deploys an open promotion (status `deploying`), verifies it and closes it: `succeeded` with the
    /// pointer moved, or — when deployment or verification fails — `rolled_back` after redeploying
    /// last-known-good, or `failed` when there is none (or the promotion is irreversible); `aborted`
    /// when its canary rollout was (the stable release has the traffic; nothing is redeployed).
    func deploy(
        _ record: PromotionRecord, artifact: StoredArtifact, environment: EnvironmentDefinition
    ) async throws -> PromotionRecord {
        if context.cancellation.isCancelled { try await closeCancelled(record, during: "the checks") }
        // Renew the lease while this process works; losing it (another process took over after it
        // expired) stops the deploy: two processes must never deploy to one environment at once.
        let lostLease = Mutex(false)
        let keeper = record.fencingToken.map { token in
            LeaseKeeper(
                state: context.state, promotionID: record.id, token: token, duration: leaseDuration
            ) { [context] in
                lostLease.withLock { $0 = true }
                context.reporter.line(
                    "✗ lost the lease of \(record.id) (another process took it over after it expired): stopping")
                context.cancellation.cancel()
            }
        }
        defer { keeper?.stop() }
        let attempt = await deployAndVerify(record, artifact: artifact, environment: environment)
        if lostLease.withLock({ $0 }) {
            // The promotion is no longer ours to close: whoever took it over closed it as abandoned.
            throw ReleaseError.deploymentFailed(
                "promotion \(record.id) lost its lease to another process during \(attempt.stage) (it was not renewed in "
                    + "time and was taken over); its commands were stopped. \(record.environment) may be partly deployed: "
                    + "see 'gantry history \(record.app) --env \(record.environment)'")
        }
        if attempt.cancelled { try await closeCancelled(record, during: attempt.stage) }
        if attempt.passed {
            try await context.state.completePromotion(record.id, verified: true, detail: attempt.detail)
            await context.audit(
                record.kind == .rollback ? "rollback.deployed" : "promote.deployed", app: record.app,
                digest: record.digest,
                ["environment": record.environment, "promotion": record.id, "result": "succeeded"])
            context.reporter.line(
                "\(record.environment) now runs \(record.app)@\(record.digest) (last-known-good)")
            return try await context.state.promotion(id: record.id) ?? record
        }
        await context.audit(
            "\(record.kind == .rollback ? "rollback" : "promote").\(attempt.stage)-failed", app: record.app,
            digest: record.digest,
            ["environment": record.environment, "promotion": record.id, "detail": attempt.detail])
        if attempt.aborted, record.kind == .promote {
            // The stable release kept running and has all the traffic again: nothing to redeploy.
            try await close(record, as: .aborted, attempt.detail)
            await context.audit(
                "promote.aborted", app: record.app, digest: record.digest,
                ["environment": record.environment, "promotion": record.id, "detail": attempt.detail])
            let stable = record.previousDigest.map { " on \(record.app)@\($0.short)" } ?? ""
            throw ReleaseError.deploymentFailed(
                "promotion \(record.id) aborted (\(attempt.detail)); all traffic is back\(stable), which never stopped. "
                    + "A fixed release's next rollout to \(record.environment) is cautious")
        }
        if record.kind == .rollback {
            try await close(record, as: .failed, "the rollback's \(attempt.stage) failed: \(attempt.detail)")
            throw ReleaseError.deploymentFailed(
                "rollback \(record.id) failed: \(attempt.stage): \(attempt.detail); \(record.environment) needs attention"
            )
        }
        try await rollBackAutomatically(record, environment: environment, failure: attempt)
    }

    /// What one deploy-and-verify pass did.
    struct Attempt {
        var passed: Bool
        /// `deploy` or `verify`: where it failed.
        var stage: String
        var detail: String
        /// A signal stopped it (not a failure of the release: nothing is rolled back automatically).
        var cancelled = false
        /// Its canary rollout was aborted: the stable release has all the traffic again.
        var aborted = false
    }

    /// Records a promotion stopped by SIGINT/SIGTERM as `cancelled` (its commands are already stopped)
    /// and throws `ReleaseError.cancelled`, which exits 130 or 143.
    func closeCancelled(_ record: PromotionRecord, during stage: String) async throws -> Never {
        let signal = context.cancellation.signal
        let name = signal.map { SignalNames.name(of: $0) ?? "signal \($0)" } ?? "a signal"
        try await close(record, as: .cancelled, "cancelled by \(name) during \(stage)")
        await context.audit(
            "\(record.kind == .rollback ? "rollback" : "promote").cancelled", app: record.app, digest: record.digest,
            ["environment": record.environment, "promotion": record.id, "stage": stage, "signal": name])
        throw ReleaseError.cancelled(
            "promotion \(record.id) cancelled by \(name) during \(stage); its commands were stopped. \(record.environment) "
                + "may be partly deployed: check it, then promote or run 'gantry rollback \(record.app) --env \(record.environment)'",
            signal: signal)
    }

    /// - Parameter logID: the promotion whose log keeps the output (during an automatic rollback, the
    ///   failed promotion, not the earlier deployment being restored).
    func deployAndVerify(
        _ record: PromotionRecord, artifact: StoredArtifact, environment: EnvironmentDefinition,
        previousDigest: Digest? = nil, logID: String? = nil
    ) async -> Attempt {
        var checkout: ArtifactCheckout?
        defer { checkout?.remove() }
        let log = PromotionLog(stateDirectory: context.stateDirectory, promotionID: logID ?? record.id)
        let printer = context.reporter
        // The environment's secrets, released now that every gate and approval passed; masked in
        // everything said and printed from here on.
        let secrets: [String: String]
        do {
            secrets = try context.releasedSecrets(for: environment)
        } catch {
            return Attempt(passed: false, stage: "deploy", detail: "\(error)")
        }
        let masker = SecretMasker(secrets: Array(secrets.values))
        // Everything said and printed here is also kept with the promotion.
        let reporter = ReleaseReporter(
            line: { text in
                let text = masker.isEmpty ? text : masker.mask(text)
                printer.line(text)
                log.line(text)
            },
            commandOutput: { data, isError in
                printer.commandOutput(data, isError)
                log.append(data)
            })
        var commands = CommandRunner(
            workingDirectory: context.workingDirectory, baseEnvironment: context.processEnvironment,
            cancellation: context.cancellation, ownerMark: context.ownerMark, output: reporter.commandOutput)
        commands.masker = masker
        var deployEnvironment = DeployEnvironment(
            app: record.app, digest: record.digest, environment: record.environment,
            artifactDirectory: context.stateDirectory, previousDigest: previousDigest ?? record.previousDigest,
            promotionID: record.id, tag: record.tag, commit: record.commit)
        if let driver = environment.deploy {
            // The process driver's host unpacks the release into a folder of its own.
            var needsCheckout = true
            if case .process = driver.driver { needsCheckout = false }
            if needsCheckout {
                do {
                    checkout = try ArtifactCheckout(
                        store: context.artifacts, artifact: artifact, stateDirectory: context.stateDirectory,
                        promotionID: record.id)
                } catch {
                    return Attempt(passed: false, stage: "deploy", detail: "cannot unpack the artifact: \(error)")
                }
            }
            deployEnvironment.artifactDirectory = checkout?.directory ?? context.stateDirectory
            reporter.line(
                "deploying \(record.app)@\(record.digest.short) to \(record.environment): \(driver.summary)")
            var variables = deployEnvironment.variables
            for variable in driver.env { variables[variable.name] = variable.value }
            variables.merge(secrets) { _, secret in secret }
            let result: CommandRunner.Result
            switch driver.driver {
            case .command(let command):
                result = await commands.run(command, environment: variables, timeout: driver.timeout)
            case .kubernetes(let kubernetes):
                let kubernetesDriver = KubernetesDriver(
                    definition: kubernetes, timeout: driver.timeout, commands: commands, environment: variables,
                    renderings: context.stateDirectory.appendingPathComponent("kubernetes"), report: reporter.line)
                result = await kubernetesDriver.deploy(
                    KubernetesDriver.Request(
                        app: record.app, environmentName: record.environment, digest: record.digest,
                        promotionID: record.id, artifactDirectory: checkout?.directory,
                        workingDirectory: context.workingDirectory,
                        restoring: try? await restoredDeployment(record, automatic: logID != nil)))
            case .process(let process):
                // A rollback switches at once: the release it restores already proved itself.
                let restoring = record.kind == .rollback || logID != nil
                var strategy = restoring ? nil : environment.strategy
                if let careful = strategy, let why = await cautionNeeded(before: record) {
                    reporter.line(
                        "  cautious rollout (\(why)): weights halved, pauses and analysis windows doubled, until a rollout completes"
                    )
                    strategy = careful.cautious
                }
                result = await ProcessDeployDriver(
                    state: context.state, app: record.app, environment: record.environment, definition: process,
                    strategy: strategy, promotionID: logID ?? record.id,
                    timeout: driver.timeout, cancellation: context.cancellation, report: reporter.line
                ).deploy(record.digest)
            }
            guard result.succeeded else {
                reporter.line("✗ deploy: \(result.summary)")
                return Attempt(
                    passed: false, stage: "deploy",
                    detail: "\(driver.kind): \(result.summary)",
                    cancelled: result.cancelled, aborted: result.aborted)
            }
            reporter.line("✓ deploy: \(result.summary)")
        } else {
            reporter.line("✓ deploy: no deploy driver for \(record.environment); the pointer moves only")
        }
        guard let check = environment.verify else {
            return Attempt(passed: true, stage: "verify", detail: "deployed (no health check configured)")
        }
        // Only a promotion that is deploying moves to verifying; during an automatic rollback it stays
        // rolling_back (the record here is then the last-known-good deployment, already closed).
        _ = try? await context.state.transition(record.id, from: [.deploying], to: .verifying, detail: "verifying")
        let checker = HealthChecker(commands: commands, secrets: secrets) { reporter.line("  verify: \($0)") }
        let result = await checker.check(check, environment: deployEnvironment)
        let attempts = "\(result.attempts) attempt\(result.attempts == 1 ? "" : "s")"
        guard result.passed else {
            reporter.line("✗ verify: \(result.detail) after \(attempts)")
            return Attempt(
                passed: false, stage: "verify", detail: "\(result.detail) after \(attempts)",
                cancelled: result.cancelled)
        }
        reporter.line("✓ verify: \(result.detail) (\(attempts))")
        return Attempt(passed: true, stage: "verify", detail: "verified: \(result.detail)")
    }

    /// Why the rollout of `record` must be cautious — the last promotion to its environment before it
    /// ended rolled back, failed, aborted or was cancelled, or a rollback ran
    /// since the last one that completed — or nil.
    func cautionNeeded(before record: PromotionRecord) async -> String? {
        guard
            let previous = try? await context.state.promotions(
                app: record.app, environment: record.environment, limit: 20
            )
            .first(where: { $0.id != record.id && !$0.status.isOpen })
        else { return nil }
        switch (previous.kind, previous.status) {
        case (.rollback, _): return "\(record.environment) was rolled back by \(previous.id)"
        case (_, .rolledBack), (_, .failed), (_, .cancelled), (_, .aborted):
            return "the last promotion to \(record.environment), \(previous.id), ended \(previous.status.rawValue)"
        default: return nil
        }
    }

    /// The deployment whose kept rendering a rollback re-applies: during an automatic rollback, the
    /// last-known-good deployment itself (`record`); for `gantry rollback`, the newest deployment of the
    /// target digest. Nil for a promotion, which renders the current manifests.
    func restoredDeployment(_ record: PromotionRecord, automatic: Bool) async throws -> String? {
        if automatic { return record.id }
        guard record.kind == .rollback else { return nil }
        return try await context.state.deployments(app: record.app, environment: record.environment)
            .first { $0.digest == record.digest && $0.id != record.id }?.id
    }

    /// After a failed deployment: redeploy last-known-good through the driver and verify it, then
    /// close the promotion `rolled_back`; or close it `failed` when that is impossible. Always throws:
    /// the promotion failed either way.
    private func rollBackAutomatically(
        _ record: PromotionRecord, environment: EnvironmentDefinition, failure: Attempt
    ) async throws -> Never {
        let reason = "\(failure.stage) failed: \(failure.detail)"
        if let why = record.irreversible {
            try await close(record, as: .failed, "\(reason); not rolled back automatically (irreversible: \(why))")
            throw ReleaseError.deploymentFailed(
                "promotion \(record.id) failed (\(reason)); it is marked irreversible (\(why)), so it was not rolled back automatically: decide, then run 'gantry rollback \(record.app) --env \(record.environment) --force --reason …'"
            )
        }
        let pointer = try await context.state.pointer(app: record.app, environment: record.environment)
        guard let good = pointer?.lastKnownGood, good != record.digest,
            try await context.state.rejection(app: record.app, digest: good) == nil,
            let goodDeployment = try await context.state.deployments(app: record.app, environment: record.environment)
                .first(where: { $0.digest == good }),
            let artifact = try? context.artifacts.resolve(.digest(app: record.app, good))
        else {
            try await close(record, as: .failed, "\(reason); no last-known-good to roll back to")
            throw ReleaseError.deploymentFailed(
                "promotion \(record.id) failed (\(reason)); \(record.environment) has no last-known-good of \(record.app) to roll back to, so it may run a broken deployment"
            )
        }
        context.reporter.line(
            "rolling back \(record.environment) to last-known-good \(record.app)@\(good.short)")
        try await context.state.transition(
            record.id, from: [.deploying, .verifying], to: .rollingBack, detail: "rolling back: \(reason)")
        var restored = goodDeployment
        restored.requestedBy = context.actor
        let attempt = await deployAndVerify(
            restored, artifact: artifact, environment: environment, previousDigest: record.digest, logID: record.id)
        if attempt.cancelled { try await closeCancelled(record, during: "the automatic rollback") }
        guard attempt.passed else {
            try await close(
                record, as: .failed, "\(reason); rollback to \(good.short) failed too: \(attempt.detail)")
            await context.audit(
                "rollback.failed", app: record.app, digest: good,
                ["environment": record.environment, "promotion": record.id, "detail": attempt.detail])
            throw ReleaseError.deploymentFailed(
                "promotion \(record.id) failed (\(reason)) and redeploying last-known-good \(good.short) failed too (\(attempt.detail)): \(record.environment) needs attention"
            )
        }
        try await context.state.closeRolledBack(
            record.id, restored: restored, detail: "\(reason); rolled back to \(good.short)")
        await context.audit(
            "rollback.automatic", app: record.app, digest: good,
            [
                "environment": record.environment, "promotion": record.id, "from": record.digest.description,
                "reason": reason,
            ])
        throw ReleaseError.deploymentFailed(
            "promotion \(record.id) failed (\(reason)); rolled back automatically: \(record.environment) runs last-known-good \(record.app)@\(good) again"
        )
    }

    func close(_ record: PromotionRecord, as status: PromotionStatus, _ detail: String) async throws {
        try await context.state.transition(record.id, from: PromotionStatus.open, to: status, detail: detail)
    }
}
