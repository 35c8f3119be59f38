import Foundation
import GantryCore
import Release
import Store

/// The server's JSON answers read back into the records the local commands print, so a command
/// prints the same with `--server` as without. A field that is missing or of the wrong type is an
/// error naming it (a server of another version), never a crash.
struct RemoteObject {
    let fields: [String: Any]
    let what: String

    init(_ value: Any?, _ what: String) throws {
        guard let fields = value as? [String: Any] else {
            throw InfrastructureError("the server's answer has no \(what) object where one was expected")
        }
        self.fields = fields
        self.what = what
    }

    func string(_ key: String) throws -> String {
        guard let value = fields[key] as? String else { throw missing(key) }
        return value
    }

    func optionalString(_ key: String) -> String? { fields[key] as? String }

    /// A `sha256:…` member; one that is not a digest is an unexpected answer.
    func digest(_ key: String) throws -> Digest {
        guard let value = Digest(parsing: try string(key)) else { throw missing(key) }
        return value
    }

    func optionalDigest(_ key: String) throws -> Digest? {
        guard let text = optionalString(key) else { return nil }
        guard let value = Digest(parsing: text) else { throw missing(key) }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = (fields[key] as? NSNumber)?.intValue else { throw missing(key) }
        return value
    }

    func optionalInt(_ key: String) -> Int? { (fields[key] as? NSNumber)?.intValue }

    func date(_ key: String) throws -> Date {
        guard let date = optionalDate(key) else { throw missing(key) }
        return date
    }

    func optionalDate(_ key: String) -> Date? { (fields[key] as? String).flatMap(Timestamp.parse) }

    func status<Status: RawRepresentable<String>>(_ key: String, as type: Status.Type) throws -> Status {
        guard let status = Status(rawValue: try string(key)) else { throw missing(key) }
        return status
    }

    func objects(_ key: String) throws -> [RemoteObject] {
        guard let list = fields[key] as? [Any] else { throw missing(key) }
        return try list.map { try RemoteObject($0, key) }
    }

    private func missing(_ key: String) -> InfrastructureError {
        InfrastructureError("the server's \(what) lacks a valid '\(key)': is it a different version of Gantry?")
    }
}

/// Records from the API's shapes (docs/api.md).
enum RemoteRecords {
    static func run(_ object: RemoteObject) throws -> RunRecord {
        RunRecord(
            id: try object.string("id"), correlation: object.optionalString("correlation") ?? "-",
            pipelineName: try object.string("pipeline"), pipelineFile: object.optionalString("pipeline_file") ?? "-",
            pipelineDigest: object.optionalString("pipeline_digest") ?? "-",
            status: try object.status("status", as: RunStatus.self), startedAt: try object.date("started_at"),
            finishedAt: object.optionalDate("finished_at"),
            durationMs: object.optionalInt("duration_ms").map(Int64.init),
            commitSHA: object.optionalString("commit_sha"), branch: object.optionalString("branch"),
            toolVersions: object.optionalString("tool_versions") ?? "{}",
            uncommittedChanges: object.fields["uncommitted_changes"] as? [String],
            project: object.optionalString("project"))
    }

    static func job(_ object: RemoteObject, runID: String) throws -> JobRecord {
        let attempts = try (object.fields["attempt_records"] == nil ? [] : object.objects("attempt_records")).map {
            attempt in
            AttemptRecord(
                number: try attempt.int("number"), status: try attempt.status("status", as: JobStatus.self),
                startedAt: try attempt.date("started_at"), durationMs: Int64(try attempt.int("duration_ms")),
                steps: try attempt.objects("steps").map { step in
                    StepRecord(
                        index: try step.int("index"), name: try step.string("name"),
                        status: try step.status("status", as: StepStatus.self),
                        exitCode: step.optionalInt("exit_code").map(Int32.init),
                        signal: step.optionalInt("signal").map(Int32.init),
                        durationMs: Int64(try step.int("duration_ms")))
                })
        }
        return JobRecord(
            runID: runID, name: try object.string("name"), jobID: try object.string("job_id"),
            status: try object.status("status", as: JobStatus.self), attempts: try object.int("attempts"),
            startedAt: nil, finishedAt: nil, durationMs: Int64(try object.int("duration_ms")),
            cache: object.optionalString("cache"), reason: object.optionalString("reason"), outputs: "{}",
            attemptRecords: attempts)
    }

    static func jobArtifact(_ object: RemoteObject, runID: String) throws -> JobArtifactRecord {
        JobArtifactRecord(
            runID: runID, name: try object.string("name"), job: try object.string("job"), jobID: "",
            digest: try object.digest("digest"), size: Int64(try object.int("size")), files: try object.int("files"))
    }

    static func promotion(_ object: RemoteObject) throws -> PromotionRecord {
        PromotionRecord(
            id: try object.string("id"), kind: try object.status("kind", as: PromotionKind.self),
            app: try object.string("app"), environment: try object.string("environment"),
            digest: try object.digest("digest"), tag: object.optionalString("tag"),
            commit: object.optionalString("commit"), status: try object.status("status", as: PromotionStatus.self),
            requestedBy: try object.string("requested_by"), requestedAt: try object.date("requested_at"),
            previousDigest: try object.optionalDigest("previous_digest"), reason: object.optionalString("reason"),
            approvalsRequired: object.optionalInt("approvals_required") ?? 0,
            detail: object.optionalString("detail") ?? "")
    }

    /// A row of `/api/v1/environments`.
    static func statusRow(_ object: RemoteObject) throws -> StatusRow {
        let app = try object.string("app")
        let environment = try object.string("environment")
        var pointer: EnvironmentPointer?
        if let digest = try object.optionalDigest("digest") {
            pointer = EnvironmentPointer(
                app: app, environment: environment, digest: digest, tag: object.optionalString("tag"),
                commit: object.optionalString("commit"), promotionID: object.optionalString("promotion_id") ?? "",
                deployedAt: try object.date("deployed_at"), deployedBy: object.optionalString("deployed_by") ?? "",
                lastKnownGood: try object.optionalDigest("last_known_good"),
                lastKnownGoodAt: object.optionalDate("last_known_good_at"))
        }
        let open = try object.fields["pending"].map { try promotion(RemoteObject($0, "pending promotion")) }
        return StatusRow(
            app: app, environment: environment, pointer: pointer, open: open,
            approvalsGiven: object.optionalInt("approvals_given") ?? 0, tag: object.optionalString("tag"))
    }

    static func auditEntry(_ object: RemoteObject) throws -> AuditEntry {
        AuditEntry(
            sequence: Int64(try object.int("sequence")), timestamp: try object.date("timestamp"),
            actor: try object.string("actor"), action: try object.string("action"),
            subject: try object.string("subject"), details: object.fields["details"] as? [String: String] ?? [:],
            previousHash: object.optionalString("previous_hash") ?? "", hash: try object.string("hash"))
    }
}
