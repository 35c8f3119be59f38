import Foundation
import Release
import StateModel

// The API's response bodies (see Sources/Server/API/openapi.yaml): stable shapes, separate from the
// stored records so the storage can change without changing the contract. Keys are snake_case and
// written in order (JSONWriter); absent values are left out.

struct RunSummary: JSONWritable {
    var id: String
    var project: String?
    var pipeline: String
    var status: String
    var commitSha: String?
    var branch: String?
    var startedAt: Date
    var finishedAt: Date?
    var durationMs: Int64?
    /// What only one run's page shows (absent from lists).
    var full: RunRecord?

    init(_ run: RunRecord, full: Bool = false) {
        id = run.id
        project = run.project
        pipeline = run.pipelineName
        status = run.status.rawValue
        commitSha = run.commitSHA
        branch = run.branch
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        durationMs = run.durationMs
        self.full = full ? run : nil
    }

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("branch", branch)
            out.field("commit_sha", commitSha)
            out.field("correlation", full?.correlation)
            out.field("duration_ms", durationMs)
            out.field("finished_at", finishedAt)
            out.field("id", id)
            out.field("pipeline", pipeline)
            out.field("pipeline_digest", full?.pipelineDigest)
            out.field("pipeline_file", full?.pipelineFile)
            out.field("project", project)
            out.field("started_at", startedAt)
            out.field("status", status)
            out.field("tool_versions", full?.toolVersions)
            out.field("uncommitted_changes", full?.uncommittedChanges)
        }
    }
}

struct RunPage: JSONWritable {
    var runs: [RunSummary]
    /// Pass as `cursor` for the next page; nil on the last.
    var nextCursor: String?

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("next_cursor", nextCursor)
            out.field("runs", runs)
        }
    }
}

struct JobSummary: JSONWritable {
    var job: JobRecord

    init(_ job: JobRecord) { self.job = job }

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("attempt_records", job.attemptRecords.map(AttemptItem.init))
            out.field("attempts", job.attempts)
            out.field("cache", job.cache)
            out.field("duration_ms", job.durationMs)
            out.field("job_id", job.jobID)
            out.field("name", job.name)
            out.field("reason", job.reason)
            out.field("status", job.status.rawValue)
        }
    }
}

/// One attempt of a job, with its steps.
struct AttemptItem: JSONWritable {
    var attempt: AttemptRecord

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("duration_ms", attempt.durationMs)
            out.field("number", attempt.number)
            out.field("started_at", attempt.startedAt)
            out.field("status", attempt.status.rawValue)
            out.field("steps", attempt.steps.map(StepItem.init))
        }
    }
}

struct StepItem: JSONWritable {
    var step: StepRecord

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("duration_ms", step.durationMs)
            out.field("exit_code", step.exitCode.map(Int.init))
            out.field("index", step.index)
            out.field("name", step.name)
            out.field("signal", step.signal.map(Int.init))
            out.field("status", step.status.rawValue)
        }
    }
}

/// What a job kept with `artifacts:` (`gantry runs download` fetches it locally).
struct JobArtifactItem: JSONWritable {
    var artifact: JobArtifactRecord

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("digest", artifact.digest)
            out.field("files", artifact.files)
            out.field("job", artifact.job)
            out.field("name", artifact.name)
            out.field("size", artifact.size)
        }
    }
}

struct RunDetail: JSONWritable {
    var run: RunSummary
    var jobs: [JobSummary]
    var artifacts: [JobArtifactItem]

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("artifacts", artifacts)
            out.field("jobs", jobs)
            out.field("run", run)
        }
    }
}

struct QueueEntry: JSONWritable {
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

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("commit_sha", commitSha)
            out.field("detail", detail)
            out.field("event", event)
            out.field("finished_at", finishedAt)
            out.field("id", id)
            out.field("project", project)
            out.field("queued_at", queuedAt)
            out.field("ref", ref)
            out.field("requested_by", requestedBy)
            out.field("run_id", runId)
            out.field("source", source)
            out.field("started_at", startedAt)
            out.field("status", status)
        }
    }
}

struct ProjectSummary: JSONWritable {
    var name: String
    var repository: String
    var pipeline: String
    var webhooks: Bool
    var branches: [String]?

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("branches", branches)
            out.field("name", name)
            out.field("pipeline", pipeline)
            out.field("repository", repository)
            out.field("webhooks", webhooks)
        }
    }
}

/// One cell of the environments board (`gantry status`'s row): what runs there and what is on its way.
struct EnvironmentEntry: JSONWritable {
    var row: StatusRow

    func writeJSON(to out: inout JSONWriter) {
        let pointer = row.pointer
        out.object { out in
            out.field("app", row.app)
            out.field("approvals_given", row.open.map { _ in row.approvalsGiven })
            out.field("commit", pointer?.commit)
            out.field("deployed_at", pointer?.deployedAt)
            out.field("deployed_by", pointer?.deployedBy)
            out.field("digest", pointer?.digest)
            out.field("environment", row.environment)
            out.field("last_known_good", pointer?.lastKnownGood)
            out.field("last_known_good_at", pointer?.lastKnownGoodAt)
            out.field("pending", row.open.map(PromotionSummary.init))
            out.field("pending_promotion", row.open?.id)
            out.field("promotion_id", pointer?.promotionID)
            out.field("tag", row.tag)
        }
    }
}

struct PromotionSummary: JSONWritable {
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
        digest = record.digest.description
        tag = record.tag
        commit = record.commit
        status = record.status.rawValue
        requestedBy = record.requestedBy
        requestedAt = record.requestedAt
        finishedAt = record.finishedAt
        previousDigest = record.previousDigest?.description
        reason = record.reason
        approvalsRequired = record.approvalsRequired
        detail = record.detail
    }

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("app", app)
            out.field("approvals_required", approvalsRequired)
            out.field("commit", commit)
            out.field("detail", detail)
            out.field("digest", digest)
            out.field("environment", environment)
            out.field("finished_at", finishedAt)
            out.field("id", id)
            out.field("kind", kind)
            out.field("previous_digest", previousDigest)
            out.field("reason", reason)
            out.field("requested_at", requestedAt)
            out.field("requested_by", requestedBy)
            out.field("status", status)
            out.field("tag", tag)
        }
    }
}

struct AuditItem: JSONWritable {
    var sequence: Int64
    var timestamp: Date
    var actor: String
    var action: String
    var subject: String
    var details: [String: String]
    var previousHash: String
    var hash: String

    init(_ entry: AuditEntry) {
        sequence = entry.sequence
        timestamp = entry.timestamp
        actor = entry.actor
        action = entry.action
        subject = entry.subject
        details = entry.details
        previousHash = entry.previousHash
        hash = entry.hash
    }

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("action", action)
            out.field("actor", actor)
            out.field("details", details)
            out.field("hash", hash)
            out.field("previous_hash", previousHash)
            out.field("sequence", sequence)
            out.field("subject", subject)
            out.field("timestamp", timestamp)
        }
    }
}

struct TokenSummary: JSONWritable {
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

    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            out.field("created_at", createdAt)
            out.field("expires_at", expiresAt)
            out.field("id", id)
            out.field("last_used_at", lastUsedAt)
            out.field("revoked_at", revokedAt)
            out.field("role", role)
            out.field("user", user)
        }
    }
}
