import Artifacts
import Foundation
import GantryCore
import Pipeline
import StateModel

extension Promoter {
    /// Redeploys an earlier digest of `app` in an environment through its driver, after verifying its
    /// signature and seal again. Without `to`, the target is last-known-good when the environment runs
    /// something else, otherwise the newest earlier verified deployment. Rejected digests are never
    /// targets. Rolling back past a promotion marked irreversible needs `force`.
    public func rollback(
        app: String, environment environmentName: String, to target: String?, reason: String, force: Bool,
        id: String = PromotionRecord.newID()
    )
        async throws -> Outcome
    {
        try await anchored("rollback") {
            try await rollbackUnanchored(
                app: app, environment: environmentName, to: target, reason: reason, force: force, id: id)
        }
    }

    private func rollbackUnanchored(
        app: String, environment environmentName: String, to target: String?, reason: String, force: Bool, id: String
    ) async throws -> Outcome {
        let environment = try context.environment(environmentName)
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ReleaseError.input("--reason is required: say why you roll back")
        }
        guard let pointer = try await context.state.pointer(app: app, environment: environment.name) else {
            throw ReleaseError.input("\(app) has never been deployed to \(environment.name): nothing to roll back")
        }
        try await context.checkDeployable(environment, app: app)
        let deployments = try await context.state.deployments(app: app, environment: environment.name)
        let chosen: PromotionRecord
        if let text = target {
            guard let target = Digest(parsing: text) else {
                throw ReleaseError.input("'\(text)' is not a digest (expected sha256: and 64 hex digits)")
            }
            guard target != pointer.digest else {
                throw ReleaseError.input("\(environment.name) already runs \(app)@\(target)")
            }
            guard let found = deployments.first(where: { $0.digest == target }) else {
                throw ReleaseError.input(
                    "\(app)@\(target) was never deployed and verified in \(environment.name); rollback only goes back to a digest that ran there (promote it instead)"
                )
            }
            if let rejection = try await context.state.rejection(app: app, digest: target) {
                throw ReleaseError.checkFailed(
                    check: "not rejected", detail: "\(app)@\(target.short) was rejected: \(rejection.reason)")
            }
            chosen = found
        } else {
            var candidates: [PromotionRecord] = []
            for deployment in deployments where deployment.digest != pointer.digest {
                if try await context.state.rejection(app: app, digest: deployment.digest) == nil {
                    candidates.append(deployment)
                }
            }
            let preferred = candidates.first { $0.digest == pointer.lastKnownGood } ?? candidates.first
            guard let preferred else {
                throw ReleaseError.input(
                    "\(environment.name) has no earlier verified deployment of \(app) to roll back to")
            }
            chosen = preferred
        }
        // Promotions that ran after the target's deployment and cannot be undone by redeploying.
        let newer = deployments.prefix { $0.id != chosen.id }
        let irreversible = newer.filter { $0.irreversible != nil }
        if !irreversible.isEmpty {
            let list = irreversible.map { "\($0.id) (\($0.digest.short)): \($0.irreversible ?? "")" }
                .joined(separator: "; ")
            guard force else {
                throw ReleaseError.checkFailed(
                    check: "irreversible",
                    detail:
                        "rolling back to \(chosen.digest.short) goes past irreversible promotion(s) \(list); state they changed does not rewind. Re-run with --force if you mean it"
                )
            }
            context.reporter.line(
                "warning: rolling back past irreversible promotion(s) \(list): state they changed does not rewind")
        }
        context.reporter.line(
            "rolling back \(app) in \(environment.name) from \(pointer.digest.short) to \(chosen.digest.short): \(reason)"
        )
        let gates = try await runGates(
            app: app, digest: chosen.digest, environment: environment, action: "rollback", skipRequires: true)
        let record = try await context.state.openPromotion(
            PromotionRecord(
                id: id, kind: .rollback, app: app, environment: environment.name,
                digest: chosen.digest, tag: chosen.tag, commit: chosen.commit, status: .deploying,
                requestedBy: context.actor, previousDigest: pointer.digest, reason: reason, detail: "deploying",
                pid: ProcessIdentity.current.pid, host: ProcessIdentity.current.host,
                ownerStart: ProcessIdentity.current.startTicks,
                ownerMark: context.ownerMark, leaseExpiresAt: leaseExpiry),
            isStale: Self.isStale, stopLeftovers: Self.stopLeftovers)
        await context.audit(
            "rollback.request", app: app, digest: chosen.digest,
            [
                "environment": environment.name, "promotion": record.id, "from": pointer.digest.description,
                "reason": reason,
                "forced": irreversible.isEmpty ? "no" : "yes",
            ])
        let finished = try await deploy(record, artifact: gates.artifact, environment: environment)
        return Outcome(promotion: finished, checks: gates.checks)
    }
}
