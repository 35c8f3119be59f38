public import Foundation
public import GantryCore

/// Where a promotion (or rollback) stands.
public enum PromotionStatus: String, Sendable, Codable, CaseIterable {
    /// Checks passed; waiting for approvals.
    case awaitingApproval = "awaiting_approval"
    /// The deploy command is running.
    case deploying
    /// The health check is running.
    case verifying
    /// Verification failed and last-known-good is being redeployed.
    case rollingBack = "rolling_back"
    /// Deployed and verified; the environment points to the digest.
    case succeeded
    /// A check, the deployment or the verification failed; the pointer did not move.
    case failed
    /// Verification failed and last-known-good was redeployed and verified.
    case rolledBack = "rolled_back"
    /// A canary rollout was aborted (a failed analysis, `gantry rollout abort`, a firing alert): the
    /// traffic is back on the stable release, which never stopped; the pointer did not move.
    case aborted
    /// Withdrawn before it deployed.
    case cancelled
    /// The process running it died; found and closed by a later promotion.
    case abandoned

    /// Statuses that hold the app × environment lock.
    public static let open: [PromotionStatus] = [.awaitingApproval, .deploying, .verifying, .rollingBack]

    public var isOpen: Bool { Self.open.contains(self) }
}

/// Whether a promotion moves forward or back.
public enum PromotionKind: String, Sendable, Codable {
    case promote
    case rollback
}

/// One promotion or rollback of a digest to an environment.
public struct PromotionRecord: Sendable, Hashable, Codable {
    public var id: String
    public var kind: PromotionKind
    public var app: String
    public var environment: String
    public var digest: Digest
    public var tag: String?
    public var commit: String?
    public var status: PromotionStatus
    public var requestedBy: String
    public var requestedAt: Date
    public var finishedAt: Date?
    /// What the environment ran when this started.
    public var previousDigest: Digest?
    /// Why (required for rollbacks).
    public var reason: String?
    /// Set when the change cannot be undone by redeploying (e.g. a schema migration): why.
    public var irreversible: String?
    /// Approvals needed before deploying (0 when the environment has none).
    public var approvalsRequired: Int
    /// The last thing that happened, in words.
    public var detail: String
    /// The process driving it and its host, to recognise a promotion whose process died.
    public var pid: Int32?
    public var host: String?
    /// When that process started (clock ticks after boot), so a reused pid is not taken for it.
    public var ownerStart: Int64?
    /// The `GANTRY_OWNER` mark its deploy and health-check commands carry: closing an abandoned
    /// promotion stops every process still carrying it before anything else deploys there.
    public var ownerMark: String?
    /// While deploying, verifying or rolling back: until when its process holds the promotion. The
    /// process renews it; once it has passed, any process on any host may close the promotion as
    /// abandoned (a pid means nothing on another host).
    public var leaseExpiresAt: Date?
    /// Increases with every lease granted (across the whole state): a renewal or takeover names the
    /// token it holds, so a process that lost its lease cannot renew someone else's.
    public var fencingToken: Int64?

    public init(
        id: String, kind: PromotionKind, app: String, environment: String, digest: Digest, tag: String? = nil,
        commit: String? = nil, status: PromotionStatus, requestedBy: String, requestedAt: Date = Date(),
        previousDigest: Digest? = nil, reason: String? = nil, irreversible: String? = nil, approvalsRequired: Int = 0,
        detail: String = "", pid: Int32? = nil, host: String? = nil, ownerStart: Int64? = nil,
        ownerMark: String? = nil, leaseExpiresAt: Date? = nil, fencingToken: Int64? = nil
    ) {
        self.leaseExpiresAt = leaseExpiresAt
        self.fencingToken = fencingToken
        self.ownerStart = ownerStart
        self.ownerMark = ownerMark
        self.id = id
        self.kind = kind
        self.app = app
        self.environment = environment
        self.digest = digest
        self.tag = tag
        self.commit = commit
        self.status = status
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.previousDigest = previousDigest
        self.reason = reason
        self.irreversible = irreversible
        self.approvalsRequired = approvalsRequired
        self.detail = detail
        self.pid = pid
        self.host = host
    }

    /// A new promotion id: `p-` and 10 random lowercase hex digits.
    public static func newID() -> String {
        "p-" + (0..<10).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
    }
}

/// What an environment runs for an app.
public struct EnvironmentPointer: Sendable, Hashable, Codable {
    public var app: String
    public var environment: String
    /// The digest deployed now.
    public var digest: Digest
    public var tag: String?
    public var commit: String?
    /// The promotion (or rollback) that deployed it.
    public var promotionID: String
    public var deployedAt: Date
    public var deployedBy: String
    /// The newest digest whose deployment here was verified; the automatic rollback target.
    public var lastKnownGood: Digest?
    public var lastKnownGoodAt: Date?

    public init(
        app: String, environment: String, digest: Digest, tag: String? = nil, commit: String? = nil,
        promotionID: String, deployedAt: Date, deployedBy: String, lastKnownGood: Digest? = nil,
        lastKnownGoodAt: Date? = nil
    ) {
        self.app = app
        self.environment = environment
        self.digest = digest
        self.tag = tag
        self.commit = commit
        self.promotionID = promotionID
        self.deployedAt = deployedAt
        self.deployedBy = deployedBy
        self.lastKnownGood = lastKnownGood
        self.lastKnownGoodAt = lastKnownGoodAt
    }
}

/// One approval of a promotion.
public struct ApprovalRecord: Sendable, Hashable, Codable {
    public var promotionID: String
    public var approver: String
    public var role: String
    public var approvedAt: Date
    /// Whether a TOTP code was checked for it.
    public var totp: Bool

    public init(promotionID: String, approver: String, role: String, approvedAt: Date, totp: Bool) {
        self.promotionID = promotionID
        self.approver = approver
        self.role = role
        self.approvedAt = approvedAt
        self.totp = totp
    }
}

/// A digest marked bad: it can never be promoted or rolled back to again.
public struct RejectionRecord: Sendable, Hashable, Codable {
    public var app: String
    public var digest: Digest
    public var reason: String
    public var rejectedBy: String
    public var rejectedAt: Date

    public init(app: String, digest: Digest, reason: String, rejectedBy: String, rejectedAt: Date) {
        self.app = app
        self.digest = digest
        self.reason = reason
        self.rejectedBy = rejectedBy
        self.rejectedAt = rejectedAt
    }
}

/// A user who can approve promotions.
public struct UserRecord: Sendable, Hashable {
    public var name: String
    public var role: String
    /// Base32 TOTP secret, once enrolled. Never printed after enrolment.
    public var totpSecret: String?
    /// The newest TOTP time step accepted for this user (codes at or before it are replays).
    public var totpLastStep: Int64?
    /// Set after too many wrong codes: TOTP approvals are refused until then.
    public var totpLockedUntil: Date?
    public var createdAt: Date

    public var isTOTPEnrolled: Bool { totpSecret != nil }

    public init(
        name: String, role: String, totpSecret: String? = nil, totpLastStep: Int64? = nil, totpLockedUntil: Date? = nil,
        createdAt: Date
    ) {
        self.name = name
        self.role = role
        self.totpSecret = totpSecret
        self.totpLastStep = totpLastStep
        self.totpLockedUntil = totpLockedUntil
        self.createdAt = createdAt
    }
}
