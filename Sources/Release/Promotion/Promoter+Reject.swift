import Artifacts
import Foundation
import GantryCore
import StateModel

extension Promoter {
    /// Marks `digest` of `app` bad: it can never be promoted again, and rollback never returns to it.
    /// Promotions of it that still wait for approval are cancelled.
    public func reject(app: String, digest text: String, reason: String) async throws -> RejectionRecord {
        try await anchored("reject") {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ReleaseError.input("--reason is required: say why the digest is bad")
            }
            guard let digest = Digest(parsing: text) else {
                throw ReleaseError.input("'\(text)' is not a digest (expected sha256: and 64 hex digits)")
            }
            let known = (try? context.artifacts.resolve(.digest(app: app, digest))) != nil
            let deployed = try await context.state.promotions(app: app).contains { $0.digest == digest }
            guard known || deployed else {
                throw ReleaseError.input("\(app)@\(digest) is unknown here (not in the artifact store, never promoted)")
            }
            let rejection = try await context.state.reject(
                RejectionRecord(app: app, digest: digest, reason: reason, rejectedBy: context.actor, rejectedAt: Date())
            )
            await context.audit("reject", app: app, digest: digest, ["reason": rejection.reason])
            for open in try await context.state.promotions(app: app)
            where open.digest == digest && open.status == .awaitingApproval {
                try await context.state.transition(
                    open.id, from: [.awaitingApproval], to: .cancelled, detail: "cancelled: the digest was rejected")
                await context.audit(
                    "promote.cancelled", app: app, digest: digest, ["promotion": open.id, "reason": "rejected"])
                context.reporter.line("cancelled promotion \(open.id) to \(open.environment)")
            }
            return rejection
        }
    }

    /// Withdraws a promotion that waits for approval, or closes one whose process died.
    public func cancel(promotionID: String, reason: String) async throws -> PromotionRecord {
        guard let record = try await context.state.promotion(id: promotionID) else {
            throw ReleaseError.input("no promotion '\(promotionID)'")
        }
        guard record.status.isOpen else {
            throw ReleaseError.input("promotion \(promotionID) is already \(record.status.rawValue)")
        }
        let status: PromotionStatus = record.status == .awaitingApproval ? .cancelled : .abandoned
        guard record.status == .awaitingApproval || Self.isStale(record) else {
            throw ReleaseError.input(
                "promotion \(promotionID) is \(record.status.rawValue) in process \(record.pid ?? 0) on \(record.host ?? "?"); stop that process instead"
            )
        }
        if status == .abandoned { Self.stopLeftovers(record) }
        try await context.state.transition(
            record.id, from: [record.status], to: status, detail: "cancelled by \(context.actor): \(reason)")
        await context.audit(
            "promote.cancelled", app: record.app, digest: record.digest,
            ["environment": record.environment, "promotion": record.id, "reason": reason])
        return try await context.state.promotion(id: promotionID) ?? record
    }
}
