import Foundation
import StateModel

// The API's response bodies (see docs/api/openapi.yaml): stable shapes, separate from the stored
// records so the storage can change without changing the contract. Keys become snake_case.

struct RunSummary: Encodable {
    var id: String
    var project: String?
    var pipeline: String
    var status: String
    var commitSha: String?
    var branch: String?
    var startedAt: Date
    var finishedAt: Date?
    var durationMs: Int64?

    init(_ run: RunRecord) {
        id = run.id
        project = run.project
        pipeline = run.pipelineName
        status = run.status.rawValue
        commitSha = run.commitSHA
        branch = run.branch
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        durationMs = run.durationMs
    }
}

struct RunPage: Encodable {
    var runs: [RunSummary]
    /// Pass as `cursor` for the next page; nil on the last.
    var nextCursor: String?
}

struct JobSummary: Encodable {
    var name: String
    var jobId: String
    var status: String
    var attempts: Int
    var durationMs: Int64
    var cache: String?
    var reason: String?

    init(_ job: JobRecord) {
        name = job.name
        jobId = job.jobID
        status = job.status.rawValue
        attempts = job.attempts
        durationMs = job.durationMs
        cache = job.cache
        reason = job.reason
    }
}

struct RunDetail: Encodable {
    var run: RunSummary
    var jobs: [JobSummary]
}

struct QueueEntry: Encodable {
    var id: String
    var project: String
    var commitSha: String
    var ref: String?
    var event: String
    var source: String
    var status: String
    var queuedAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var runId: String?
    var detail: String?
    var requestedBy: String

    init(_ entry: QueuedRun) {
        id = entry.id
        project = entry.project
        commitSha = entry.commitSHA
        ref = entry.ref
        event = entry.event
        source = entry.source
        status = entry.status.rawValue
        queuedAt = entry.queuedAt
        startedAt = entry.startedAt
        finishedAt = entry.finishedAt
        runId = entry.runID
        detail = entry.detail
        requestedBy = entry.requestedBy
    }
}

struct ProjectSummary: Encodable {
    var name: String
    var repository: String
    var pipeline: String
    var webhooks: Bool
    var branches: [String]?
}

struct EnvironmentEntry: Encodable {
    var app: String
    var environment: String
    var digest: String
    var tag: String?
    var commit: String?
    var promotionId: String
    var deployedAt: Date
    var deployedBy: String
    var lastKnownGood: String?
    var lastKnownGoodAt: Date?
    var pendingPromotion: String?

    init(_ pointer: EnvironmentPointer, pending: PromotionRecord?) {
        app = pointer.app
        environment = pointer.environment
        digest = pointer.digest
        tag = pointer.tag
        commit = pointer.commit
        promotionId = pointer.promotionID
        deployedAt = pointer.deployedAt
        deployedBy = pointer.deployedBy
        lastKnownGood = pointer.lastKnownGood
        lastKnownGoodAt = pointer.lastKnownGoodAt
        pendingPromotion = pending?.id
    }
}

struct PromotionSummary: Encodable {
    var id: String
    var kind: String
    var app: String
    var environment: String
    var digest: String
    var tag: String?
    var commit: String?
    var status: String
    var requestedBy: String
    var requestedAt: Date
    var finishedAt: Date?
    var previousDigest: String?
    var reason: String?
    var approvalsRequired: Int
    var detail: String

    init(_ record: PromotionRecord) {
        id = record.id
        kind = record.kind.rawValue
        app = record.app
        environment = record.environment
        digest = record.digest
        tag = record.tag
        commit = record.commit
        status = record.status.rawValue
        requestedBy = record.requestedBy
        requestedAt = record.requestedAt
        finishedAt = record.finishedAt
        previousDigest = record.previousDigest
        reason = record.reason
        approvalsRequired = record.approvalsRequired
        detail = record.detail
    }
}

struct AuditItem: Encodable {
    var sequence: Int64
    var timestamp: Date
    var actor: String
    var action: String
    var subject: String
    var details: [String: String]
    var hash: String

    init(_ entry: AuditEntry) {
        sequence = entry.sequence
        timestamp = entry.timestamp
        actor = entry.actor
        action = entry.action
        subject = entry.subject
        details = entry.details
        hash = entry.hash
    }
}

struct TokenSummary: Encodable {
    var id: String
    var user: String
    var role: String
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?
    var lastUsedAt: Date?

    init(_ token: APITokenRecord) {
        id = token.id
        user = token.user
        role = token.role.rawValue
        createdAt = token.createdAt
        expiresAt = token.expiresAt
        revokedAt = token.revokedAt
        lastUsedAt = token.lastUsedAt
    }
}
