import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Records an approval of an open promotion. Throws when the approver already approved it or the
    /// promotion no longer awaits approval.
    public func addApproval(_ approval: ApprovalRecord) throws {
        try write("record the approval") { db in
            let status = try String.fetchOne(
                db, sql: "SELECT status FROM promotions WHERE id = ?", arguments: [approval.promotionID])
            guard status == PromotionStatus.awaitingApproval.rawValue else {
                throw StoreError(
                    "promotion \(approval.promotionID) does not await approval (it is \(status ?? "unknown"))")
            }
            let already =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM approvals WHERE promotionID = ? AND approver = ?)",
                    arguments: [approval.promotionID, approval.approver]) ?? false
            if already { throw StoreError("\(approval.approver) has already approved \(approval.promotionID)") }
            try db.execute(
                sql: "INSERT INTO approvals (promotionID, approver, role, approvedAt, totp) VALUES (?, ?, ?, ?, ?)",
                arguments: [approval.promotionID, approval.approver, approval.role, approval.approvedAt, approval.totp])
        }
    }

    /// Approvals of a promotion, oldest first.
    public func approvals(of promotionID: String) throws -> [ApprovalRecord] {
        try read("read approvals") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM approvals WHERE promotionID = ? ORDER BY approvedAt", arguments: [promotionID]
            ).map {
                ApprovalRecord(
                    promotionID: $0["promotionID"], approver: $0["approver"], role: $0["role"],
                    approvedAt: $0["approvedAt"], totp: $0["totp"])
            }
        }
    }

    /// Marks a digest bad. Rejecting twice keeps the first reason.
    @discardableResult
    public func reject(_ rejection: RejectionRecord) throws -> RejectionRecord {
        try write("record the rejection") { db in
            try db.execute(
                sql: """
                    INSERT INTO rejections (app, digest, reason, rejectedBy, rejectedAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(app, digest) DO NOTHING
                    """,
                arguments: [
                    rejection.app, rejection.digest, rejection.reason, rejection.rejectedBy, rejection.rejectedAt,
                ]
            )
            return try Self.rejection(db, app: rejection.app, digest: rejection.digest) ?? rejection
        }
    }

    /// The rejection of `digest` for `app`, if it was rejected.
    public func rejection(app: String, digest: Digest) throws -> RejectionRecord? {
        try read("read rejections") { db in try Self.rejection(db, app: app, digest: digest) }
    }

    private static func rejection(_ db: Database, app: String, digest: Digest) throws -> RejectionRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM rejections WHERE app = ? AND digest = ?", arguments: [app, digest])
            .map {
                RejectionRecord(
                    app: $0["app"], digest: try Self.digest($0, "digest"), reason: $0["reason"],
                    rejectedBy: $0["rejectedBy"], rejectedAt: $0["rejectedAt"])
            }
    }
}
