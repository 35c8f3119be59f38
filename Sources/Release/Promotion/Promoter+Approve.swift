import Artifacts
import Foundation
import GantryCore
import Pipeline
import StateModel

extension Promoter {
    /// Records `approver`'s approval of an open promotion. The approver must be a registered user with
    /// an allowed role, must not be the requester, and must give a valid, unused TOTP code when the
    /// environment asks for one. When the last needed approval arrives, the gates run again (the digest
    /// may have been rejected meanwhile) and the promotion deploys in this process.
    public func approve(promotionID: String, as approver: String, totpCode: String?, at now: Date = Date())
        async throws -> Outcome
    {
        try await anchored("approve") {
            try await approveUnanchored(promotionID: promotionID, as: approver, totpCode: totpCode, at: now)
        }
    }

    private func approveUnanchored(promotionID: String, as approver: String, totpCode: String?, at now: Date)
        async throws -> Outcome
    {
        guard let record = try await context.state.promotion(id: promotionID) else {
            throw ReleaseError.input("no promotion '\(promotionID)' (see 'gantry history APP --env ENV')")
        }
        guard record.status == .awaitingApproval else {
            throw ReleaseError.input(
                "promotion \(promotionID) does not await approval: it is \(record.status.rawValue)")
        }
        let environment = try context.environment(record.environment)
        let rule = environment.approvals ?? ApprovalRule(count: record.approvalsRequired)
        func refuse(_ message: String) async -> ReleaseError {
            await context.audit(
                "approve.refused", app: record.app, digest: record.digest,
                ["environment": record.environment, "promotion": record.id, "approver": approver, "reason": message])
            return ReleaseError.approvalRefused(message)
        }
        guard let user = try await context.state.user(approver) else {
            throw await refuse("'\(approver)' is not a user (add with 'gantry users add \(approver) --role releaser')")
        }
        guard approver != record.requestedBy else {
            throw await refuse("\(approver) requested promotion \(record.id) and cannot approve it too")
        }
        guard rule.roles.contains(user.role) else {
            throw await refuse(
                "\(approver) has role \(user.role); \(record.environment) needs one of: \(rule.roles.joined(separator: ", "))"
            )
        }
        if try await context.state.approvals(of: record.id).contains(where: { $0.approver == approver }) {
            throw await refuse("\(approver) has already approved \(record.id)")
        }
        if rule.totp {
            guard user.isTOTPEnrolled else {
                throw await refuse(
                    "\(record.environment) needs a TOTP code and \(approver) is not enrolled ('gantry users totp-enroll \(approver)')"
                )
            }
            guard totpCode?.trimmingCharacters(in: .whitespaces).isEmpty == false else {
                throw await refuse("\(record.environment) needs a TOTP code: pass --totp CODE")
            }
            let verifier = TOTPVerifier(state: context.state, box: try context.totpSecrets())
            if let refusal = try await verifier.refusal(of: totpCode, for: user, at: now) {
                throw await refuse(refusal)
            }
        }
        // The approval that completes the quorum deploys in this process: it needs the environment's
        // secrets, checked before the approval is recorded.
        if try await context.state.approvals(of: record.id).count + 1 >= record.approvalsRequired {
            try await context.checkDeployable(environment, app: record.app)
        }
        do {
            try await context.state.addApproval(
                ApprovalRecord(
                    promotionID: record.id, approver: approver, role: user.role, approvedAt: now, totp: rule.totp))
        } catch let error as StoreError {
            throw await refuse(error.description)
        }
        let count = try await context.state.approvals(of: record.id).count
        await context.audit(
            "approve", app: record.app, digest: record.digest,
            [
                "environment": record.environment, "promotion": record.id, "approver": approver, "role": user.role,
                "totp": rule.totp ? "verified" : "not required", "count": "\(count)/\(record.approvalsRequired)",
            ])
        context.reporter.line("✓ approved by \(approver) (\(count)/\(record.approvalsRequired))")
        var checks = [
            GateCheck(
                "approvals", count >= record.approvalsRequired ? .passed : .pending,
                "\(count)/\(record.approvalsRequired)")
        ]
        guard count >= record.approvalsRequired else {
            return Outcome(promotion: record, checks: checks)
        }
        // Quorum: check the gates again for this exact digest, then deploy.
        let gates: GateResult
        do {
            gates = try await runGates(
                app: record.app, digest: record.digest, environment: environment, action: "promote")
        } catch {
            try await close(record, as: .failed, "a gate refused it after approval: \(error)")
            throw error
        }
        checks = gates.checks + checks
        guard
            try await context.state.transition(
                record.id, from: [.awaitingApproval], to: .deploying, detail: "deploying",
                pid: ProcessIdentity.current.pid,
                ownerStart: ProcessIdentity.current.startTicks, ownerMark: context.ownerMark, lease: leaseExpiry)
        else {
            throw ReleaseError.input("promotion \(record.id) was started or cancelled by someone else meanwhile")
        }
        // As stored now: deploying, with its lease and fencing token.
        var deploying = try await context.state.promotion(id: record.id) ?? record
        deploying.status = .deploying
        let finished = try await deploy(deploying, artifact: gates.artifact, environment: environment)
        return Outcome(promotion: finished, checks: checks)
    }
}
