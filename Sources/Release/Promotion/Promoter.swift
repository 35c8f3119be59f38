import Artifacts
import Attestation
import Foundation
import GantryCore
import Pipeline
import Processes
public import StateModel

/// The promotion state machine: checks a digest against an environment's gates, collects approvals,
/// deploys through the environment's driver, verifies health, moves the pointer and last-known-good,
/// and rolls back automatically when verification fails. It never builds anything.
public struct Promoter: Sendable {
    public let context: ReleaseContext

    public init(context: ReleaseContext) { self.context = context }

    /// Which digest to promote.
    public enum Source: Sendable, Hashable {
        /// An explicit `sha256:…` digest.
        case digest(String)
        /// Whatever the named environment runs now.
        case environment(String)
    }

    /// The promotion as it stands when the call returns, and the checks made.
    public struct Outcome: Sendable {
        public var promotion: PromotionRecord
        public var checks: [GateCheck]

        public init(promotion: PromotionRecord, checks: [GateCheck]) {
            self.promotion = promotion
            self.checks = checks
        }
    }

    /// Promotes `app` to `environmentName`. Returns with status `awaiting_approval` when approvals are
    /// needed, `succeeded` when deployed and verified. Throws `ReleaseError.checkFailed` when a gate
    /// refuses (nothing recorded but the audit row), `deploymentFailed` after a failed deployment (the
    /// promotion is recorded as `failed` or `rolled_back`), and `PromotionConflict` when another
    /// promotion of the app to that environment is in progress. `id` names the promotion (a server
    /// answers with it before the deployment ends).
    public func promote(
        app: String, to environmentName: String, source: Source, irreversible: String? = nil, reason: String? = nil,
        id: String = PromotionRecord.newID()
    ) async throws -> Outcome {
        try await anchored("promote") {
            try await promoteUnanchored(
                app: app, to: environmentName, source: source, irreversible: irreversible, reason: reason, id: id)
        }
    }

    private func promoteUnanchored(
        app: String, to environmentName: String, source: Source, irreversible: String?, reason: String?, id: String
    ) async throws -> Outcome {
        try ArtifactReference.validate(app: app)
        let environment = try context.environment(environmentName)
        let digest: Digest
        switch source {
        case .digest(let text):
            digest = try resolveDigest(text, app: app)
        case .environment(let from):
            _ = try context.environment(from)
            guard let pointer = try await context.state.pointer(app: app, environment: from) else {
                throw ReleaseError.input("\(app) has never been deployed to \(from): nothing to promote from there")
            }
            digest = pointer.digest
        }
        if let irreversible, irreversible.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ReleaseError.input("--irreversible needs a reason (what cannot be undone)")
        }
        // A promotion that deploys now needs its environment's secrets (and host): check before anything
        // is recorded.
        if environment.approvals == nil { try await context.checkDeployable(environment, app: app) }
        context.reporter.line("promoting \(app)@\(digest) to \(environment.name)")
        let gates = try await runGates(app: app, digest: digest, environment: environment, action: "promote")
        let previous = try await context.state.pointer(app: app, environment: environment.name)
        let required = environment.approvals?.count ?? 0
        var record = PromotionRecord(
            id: id, kind: .promote, app: app, environment: environment.name, digest: digest,
            tag: gates.artifact.tags.first { $0 != "latest" } ?? gates.artifact.tags.first, commit: gates.commit,
            status: required > 0 ? .awaitingApproval : .deploying, requestedBy: context.actor,
            previousDigest: previous?.digest, reason: reason, irreversible: irreversible,
            approvalsRequired: required,
            detail: required > 0 ? "waiting for \(required) approval\(required == 1 ? "" : "s")" : "deploying",
            pid: required > 0 ? nil : ProcessIdentity.current.pid, host: ProcessIdentity.current.host,
            ownerStart: required > 0 ? nil : ProcessIdentity.current.startTicks,
            ownerMark: required > 0 ? nil : context.ownerMark, leaseExpiresAt: required > 0 ? nil : leaseExpiry)
        var checks = gates.checks
        record = try await context.state.openPromotion(
            record, isStale: { Self.isStale($0) }, stopLeftovers: { Self.stopLeftovers($0) })
        if let rule = environment.approvals {
            let check = GateCheck(
                "approvals", .pending,
                "needs \(rule.count) from \(rule.roles.joined(separator: "/"))\(rule.totp ? " with TOTP" : "")"
                    + "; approve with: gantry approve \(record.id) --as NAME\(rule.totp ? " --totp CODE" : "")")
            context.reporter.line(check.line)
            checks.append(check)
            await context.audit(
                "promote.request", app: app, digest: digest,
                ["environment": environment.name, "promotion": record.id, "status": record.status.rawValue])
            return Outcome(promotion: record, checks: checks)
        }
        let approvals = GateCheck("approvals", .passed, "not required for \(environment.name)")
        context.reporter.line(approvals.line)
        checks.append(approvals)
        await context.audit(
            "promote.request", app: app, digest: digest,
            ["environment": environment.name, "promotion": record.id, "status": record.status.rawValue])
        let finished = try await deploy(record, artifact: gates.artifact, environment: environment)
        return Outcome(promotion: finished, checks: checks)
    }

    /// `sha256:…`, `APP@sha256:…` (what `gantry/pack` prints) or `APP:TAG` (resolved to the digest the
    /// tag names now; the promotion records the digest, never the tag).
    func resolveDigest(_ text: String, app: String) throws -> Digest {
        if let digest = Digest(parsing: text) { return digest }
        let reference: ArtifactReference
        do {
            reference = try ArtifactReference(parsing: text)
        } catch {
            throw ReleaseError.input(
                "'\(text)' is not a digest: expected sha256:<64 hex digits>, \(app)@sha256:… or \(app):TAG")
        }
        switch reference {
        case .digest(let named, let digest):
            guard named == nil || named == app else {
                throw ReleaseError.input("'\(text)' is an artifact of '\(named ?? "")', but this promotes '\(app)'")
            }
            return digest
        case .tag(let named, let tag):
            guard named == app else {
                throw ReleaseError.input("'\(text)' is an artifact of '\(named)', but this promotes '\(app)'")
            }
            let artifact = try context.artifacts.resolve(reference)
            context.reporter.line("\(app):\(tag) is \(app)@\(artifact.digest) now; promoting that digest")
            return artifact.digest
        }
    }

    /// A promotion whose process stopped renewing its lease (judged the same from any host), or whose
    /// process on this host is gone (or its pid now belongs to another process). Awaiting approval has
    /// no process.
    static func isStale(_ record: PromotionRecord) -> Bool {
        guard record.status != .awaitingApproval else { return false }
        if let lease = record.leaseExpiresAt, lease < Date() { return true }
        guard let pid = record.pid, let host = record.host else { return false }
        return ProcessIdentity(host: host, pid: pid, startTicks: record.ownerStart ?? 0).isGone
    }

    /// Before a dead process's promotion is closed: stop what its deploy or health check left running
    /// (an orphaned deploy script finishing later would overwrite a newer deployment), and wait for it.
    static func stopLeftovers(_ record: PromotionRecord) {
        guard let mark = record.ownerMark else { return }
        ProcessRunner.stopAll(carrying: mark, grace: .seconds(5))
    }
}
