public import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Inserts a run as it starts.
    public func beginRun(_ run: RunRecord) throws {
        try write("record the start of run \(run.id)") { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, correlation, pipelineName, pipelineFile, pipelineDigest, status, startedAt,
                        commitSHA, branch, toolVersions, ownerHost, ownerPid, ownerStart, treeChanges, project)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.id, run.correlation, run.pipelineName, run.pipelineFile, run.pipelineDigest,
                    run.status.rawValue,
                    StoredDate(run.startedAt), run.commitSHA, run.branch, run.toolVersions, run.owner?.host,
                    run.owner?.pid,
                    run.owner?.startTicks,
                    run.uncommittedChanges.flatMap { try? JSONEncoder().encode($0) }.map {
                        String(decoding: $0, as: UTF8.self)
                    },
                    run.project,
                ])
        }
    }

    /// How each job of `runIDs` ended (status, attempts, duration), in one read per 500 runs.
    public func jobOutcomes(runIDs: [String]) throws -> [JobOutcome] {
        var outcomes: [JobOutcome] = []
        for start in stride(from: 0, to: runIDs.count, by: 500) {
            let chunk = Array(runIDs[start..<min(start + 500, runIDs.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            outcomes += try read("read job outcomes") { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT runID, name, status, attempts, durationMs FROM jobs WHERE runID IN (\(marks))",
                    arguments: StatementArguments(chunk)
                ).map {
                    JobOutcome(
                        runID: $0[0], name: $0[1], status: JobStatus(rawValue: $0[2]) ?? .failure, attempts: $0[3],
                        durationMs: $0[4])
                }
            }
        }
        return outcomes
    }

    /// Records the jobs a run planned and what each needs (its DAG), as it starts.
    public func recordRunGraph(runID: String, _ graph: [RunGraphNode]) throws {
        let json = Self.graphJSON(graph)
        try write("record the jobs of run \(runID)") { db in
            try db.execute(sql: "UPDATE runs SET graph = ? WHERE id = ?", arguments: [json, runID])
        }
    }

    /// The graph as the JSON `runGraph` decodes (`[{"name":…,"needs":[…],"level":…}]`), written directly:
    /// a 1,000-job run records it before its first job starts, and `JSONEncoder` took milliseconds.
    static func graphJSON(_ graph: [RunGraphNode]) -> String {
        var json = "["
        for (index, node) in graph.enumerated() {
            if index > 0 { json += "," }
            json += "{\"name\":" + JSONText.quote(node.name) + ",\"needs\":["
            json += node.needs.map(JSONText.quote).joined(separator: ",")
            json += "],\"level\":" + String(node.level) + "}"
        }
        return json + "]"
    }

    /// The jobs run `runID` planned, with their needs; nil for runs recorded before graphs were kept.
    public func runGraph(runID: String) throws -> [RunGraphNode]? {
        try read("read the jobs of run \(runID)") { db in
            try String.fetchOne(db, sql: "SELECT graph FROM runs WHERE id = ?", arguments: [runID]).flatMap {
                try? JSONDecoder().decode([RunGraphNode].self, from: Data($0.utf8))
            }
        }
    }

    /// Marks a run finished.
    public func finishRun(id: String, status: RunStatus, finishedAt: Date, durationMs: Int64) throws {
        try write("record the end of run \(id)") { db in
            try db.execute(
                sql: "UPDATE runs SET status = ?, finishedAt = ?, durationMs = ? WHERE id = ?",
                arguments: [status.rawValue, StoredDate(finishedAt), durationMs, id])
            // Only what the event needs: reading the whole record would parse its dates (a Calendar).
            if let run = try Row.fetchOne(
                db, sql: "SELECT pipelineName, project, commitSHA, branch FROM runs WHERE id = ?", arguments: [id])
            {
                var fields = [
                    "run": id, "status": status.rawValue, "pipeline": run[0] as String,
                    "duration_ms": String(durationMs),
                ]
                fields["project"] = run[1] as String?
                fields["commit"] = run[2] as String?
                fields["branch"] = run[3] as String?
                try Self.enqueueEvent(db, type: "run.finished", subject: id, fields: fields, at: finishedAt)
            }
        }
    }

    /// Closes every `running` run whose owning process is gone (`isGone` decides; `ProcessIdentity.isGone`
    /// in production) as `abandoned`, with its jobs still marked running. Returns the ids closed.
    @discardableResult
    public func closeAbandonedRuns(isGone: (ProcessIdentity) -> Bool = { $0.isGone }) throws -> [String] {
        let running = try read("list running runs") { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, ownerHost, ownerPid, ownerStart FROM runs WHERE status = 'running' AND ownerPid IS NOT NULL"
            )
        }
        var closed: [String] = []
        for row in running {
            let owner = ProcessIdentity(
                host: row["ownerHost"] ?? "", pid: row["ownerPid"], startTicks: row["ownerStart"] ?? 0)
            guard isGone(owner) else { continue }
            let id: String = row["id"]
            let changed = try write("close abandoned run \(id)") { db in
                try db.execute(
                    sql: "UPDATE runs SET status = 'abandoned', finishedAt = ? WHERE id = ? AND status = 'running'",
                    arguments: [Date(), id])
                try db.execute(
                    sql: "UPDATE jobs SET status = 'abandoned', finishedAt = ? WHERE runID = ? AND status = 'running'",
                    arguments: [Date(), id])
                return db.changesCount > 0
            }
            if changed { closed.append(id) }
        }
        return closed
    }

    /// Stores a finished job with all its attempts and steps in one transaction.
    public func recordJob(_ job: JobRecord) throws { try recordJobs([job]) }

    /// Stores finished jobs, each with its attempts and steps, in one transaction.
    public func recordJobs(_ jobs: [JobRecord]) throws {
        guard let first = jobs.first else { return }
        try write("record \(jobs.count) job(s) of run \(first.runID)") { db in
            for job in jobs { try Self.insert(job, db) }
        }
    }

    private static func insert(_ job: JobRecord, _ db: Database) throws {
        // Cached statements: a 1,000-job run records 1,000 jobs; preparing SQL each time shows up.
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO jobs (runID, name, jobID, status, attempts, startedAt, finishedAt,
                    durationMs, cache, reason, outputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            job.runID, job.name, job.jobID, job.status.rawValue, job.attempts, job.startedAt.map(StoredDate.init),
            job.finishedAt.map(StoredDate.init),
            job.durationMs, job.cache, job.reason, job.outputs,
        ])
        let attemptStatement = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO attempts (runID, jobName, number, status, startedAt, durationMs)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        let stepStatement = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO steps (runID, jobName, attempt, idx, name, status, exitCode, signal,
                    durationMs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for attempt in job.attemptRecords {
            try attemptStatement.execute(arguments: [
                job.runID, job.name, attempt.number, attempt.status.rawValue, StoredDate(attempt.startedAt),
                attempt.durationMs,
            ])
            for step in attempt.steps {
                try stepStatement.execute(arguments: [
                    job.runID, job.name, attempt.number, step.index, step.name, step.status.rawValue, step.exitCode,
                    step.signal, step.durationMs,
                ])
            }
        }
    }

    /// The newest runs first.
    public func runs(limit: Int = 20) throws -> [RunRecord] {
        try read("list runs") { db in
            try Row.fetchAll(
                db, sql: "SELECT \(RunRecord.columns) FROM runs ORDER BY startedAt DESC, id DESC LIMIT ?",
                arguments: [limit]
            )
            .map(RunRecord.init(row:))
        }
    }

    /// One page of runs, newest first, filtered by `query` (keyset pagination on start time and id).
    public func runs(_ query: RunQuery) throws -> [RunRecord] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let status = query.status {
            conditions.append("status = ?")
            arguments.append(status.rawValue)
        }
        if let project = query.project {
            conditions.append("project = ?")
            arguments.append(project)
        }
        if let pipeline = query.pipeline {
            conditions.append("pipelineName = ?")
            arguments.append(pipeline)
        }
        if let before = query.before {
            conditions.append("(startedAt < ? OR (startedAt = ? AND id < ?))")
            arguments += [before.startedAt, before.startedAt, before.id]
        }
        arguments.append(max(0, query.limit))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try read("list runs") { db in
            try Row.fetchAll(
                db, sql: "SELECT \(RunRecord.columns) FROM runs \(filter) ORDER BY startedAt DESC, id DESC LIMIT ?",
                arguments: StatementArguments(arguments)
            ).map(RunRecord.init(row:))
        }
    }

    /// The run with this id, or the single run whose id starts with it; `latest` means the newest run.
    public func run(matching idOrPrefix: String) throws -> RunRecord? {
        try read("look up run \(idOrPrefix)") { db in
            if idOrPrefix == "latest" || idOrPrefix == "last" {
                return try Row.fetchOne(
                    db, sql: "SELECT \(RunRecord.columns) FROM runs ORDER BY startedAt DESC, id DESC LIMIT 1"
                )
                .map(RunRecord.init(row:))
            }
            if let row = try Row.fetchOne(
                db, sql: "SELECT \(RunRecord.columns) FROM runs WHERE id = ?", arguments: [idOrPrefix])
            {
                return RunRecord(row: row)
            }
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(RunRecord.columns) FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
                arguments: [Self.likeEscaped(idOrPrefix) + "%"])
            return rows.count == 1 ? RunRecord(row: rows[0]) : nil
        }
    }

    /// Jobs of a run with their attempts and steps, in the order they finished.
    public func jobs(runID: String) throws -> [JobRecord] {
        try read("list jobs of run \(runID)") { db in
            let jobRows = try Row.fetchAll(
                db, sql: "SELECT * FROM jobs WHERE runID = ? ORDER BY rowid", arguments: [runID])
            return try jobRows.map { row in
                let name: String = row["name"]
                let attempts = try Row.fetchAll(
                    db, sql: "SELECT * FROM attempts WHERE runID = ? AND jobName = ? ORDER BY number",
                    arguments: [runID, name]
                ).map { attemptRow in
                    let number: Int = attemptRow["number"]
                    let steps = try Row.fetchAll(
                        db, sql: "SELECT * FROM steps WHERE runID = ? AND jobName = ? AND attempt = ? ORDER BY idx",
                        arguments: [runID, name, number]
                    ).map {
                        StepRecord(
                            index: $0["idx"], name: $0["name"], status: StepStatus(rawValue: $0["status"]) ?? .failure,
                            exitCode: $0["exitCode"],
                            signal: $0["signal"], durationMs: $0["durationMs"])
                    }
                    return AttemptRecord(
                        number: number, status: JobStatus(rawValue: attemptRow["status"]) ?? .failure,
                        startedAt: attemptRow["startedAt"],
                        durationMs: attemptRow["durationMs"], steps: steps)
                }
                return JobRecord(
                    runID: runID, name: name, jobID: row["jobID"],
                    // Only Gantry writes these; an unknown value (a newer Gantry's) reads as a failure.
                    status: JobStatus(rawValue: row["status"]) ?? .failure, attempts: row["attempts"],
                    startedAt: row["startedAt"], finishedAt: row["finishedAt"], durationMs: row["durationMs"],
                    cache: row["cache"], reason: row["reason"], outputs: row["outputs"], attemptRecords: attempts)
            }
        }
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}

extension RunRecord {
    /// The columns `init(row:)` reads, by position: a server lists runs by the page, and GRDB's
    /// lookup of a column by name (case-insensitive, per access) dominated that profile.
    static let columns = """
        id, correlation, pipelineName, pipelineFile, pipelineDigest, status, startedAt, finishedAt, durationMs, \
        commitSHA, branch, toolVersions, ownerHost, ownerPid, ownerStart, treeChanges, project
        """

    /// A row of `SELECT \(columns) FROM runs`.
    init(row: Row) {
        let ownerPid: Int32? = row[13]
        self.init(
            id: row[0], correlation: row[1], pipelineName: row[2], pipelineFile: row[3], pipelineDigest: row[4],
            status: RunStatus(rawValue: row[5]) ?? .abandoned,
            startedAt: row[6], finishedAt: row[7], durationMs: row[8], commitSHA: row[9], branch: row[10],
            toolVersions: row[11],
            owner: ownerPid.map { pid in ProcessIdentity(host: row[12] ?? "", pid: pid, startTicks: row[14] ?? 0) },
            uncommittedChanges: (row[15] as String?).flatMap {
                try? JSONDecoder().decode([String].self, from: Data($0.utf8))
            },
            project: row[16])
    }
}
