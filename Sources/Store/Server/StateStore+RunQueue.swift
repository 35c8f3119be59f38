public import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Queues `run`; with a `delivery`, only when that delivery was not seen before, decided in the same
    /// transaction. False for a replayed delivery (nothing queued).
    public func enqueue(_ run: QueuedRun, delivery: WebhookDelivery? = nil) throws -> Bool {
        try write("queue a run of \(run.project)") { db in
            if let delivery {
                try db.execute(
                    sql: """
                        INSERT INTO webhookDeliveries (source, deliveryID, project, receivedAt, queueID)
                        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [delivery.source, delivery.deliveryID, delivery.project, delivery.receivedAt, run.id])
                guard db.changesCount == 1 else { return false }
            }
            try db.execute(
                sql: """
                    INSERT INTO runQueue (id, project, commitSHA, ref, event, source, changedFiles, status, queuedAt,
                        startedAt, finishedAt, runID, detail, requestedBy, baseSHA)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.id, run.project, run.commitSHA, run.ref, run.event, run.source,
                    run.changedFiles.flatMap { try? JSONEncoder().encode($0) }.map {
                        String(decoding: $0, as: UTF8.self)
                    },
                    run.status.rawValue, run.queuedAt, run.startedAt, run.finishedAt, run.runID, run.detail,
                    run.requestedBy, run.baseSHA,
                ])
            return true
        }
    }

    /// Takes the oldest queued entry (queued → started), or nil when none waits.
    public func claimQueuedRun(at date: Date = Date()) throws -> QueuedRun? {
        try write("take a queued run") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM runQueue WHERE status = 'queued' ORDER BY queuedAt, id LIMIT 1")
            else { return nil }
            var run = Self.queuedRun(row)
            try db.execute(
                sql: "UPDATE runQueue SET status = 'started', startedAt = ? WHERE id = ? AND status = 'queued'",
                arguments: [date, run.id])
            run.status = .started
            run.startedAt = date
            return run
        }
    }

    /// Links a started entry to its run.
    public func attachRun(queueID: String, runID: String) throws {
        try write("link queued run \(queueID) to run \(runID)") { db in
            try db.execute(sql: "UPDATE runQueue SET runID = ? WHERE id = ?", arguments: [runID, queueID])
        }
    }

    /// Closes an open entry (queued or started) with `status`; false when it was closed already.
    public func closeQueuedRun(id: String, status: QueuedRun.Status, detail: String?, at date: Date = Date()) throws
        -> Bool
    {
        try write("close queued run \(id)") { db in
            try db.execute(
                sql: """
                    UPDATE runQueue SET status = ?, detail = COALESCE(?, detail), finishedAt = ?
                    WHERE id = ? AND status IN ('queued', 'started')
                    """,
                arguments: [status.rawValue, detail, date, id])
            return db.changesCount == 1
        }
    }

    public func queuedRun(id: String) throws -> QueuedRun? {
        try read("look up queued run \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runQueue WHERE id = ?", arguments: [id]).map(Self.queuedRun)
        }
    }

    /// Entries newest first, optionally only those in `statuses`.
    public func queuedRuns(statuses: [QueuedRun.Status]? = nil, limit: Int = 50) throws -> [QueuedRun] {
        try read("list queued runs") { db in
            if let statuses {
                let marks = Array(repeating: "?", count: statuses.count).joined(separator: ", ")
                return try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM runQueue WHERE status IN (\(marks)) ORDER BY queuedAt DESC, id DESC LIMIT ?",
                    arguments: StatementArguments(
                        statuses.map { $0.rawValue as any DatabaseValueConvertible } + [max(0, limit)])
                ).map(Self.queuedRun)
            }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM runQueue ORDER BY queuedAt DESC, id DESC LIMIT ?", arguments: [max(0, limit)]
            ).map(Self.queuedRun)
        }
    }

    /// Entries a stopped server left `started` become `interrupted`; returns them.
    public func interruptStartedRuns(at date: Date = Date()) throws -> [QueuedRun] {
        try write("close runs a stopped server left started") { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runQueue WHERE status = 'started'")
            try db.execute(
                sql: """
                    UPDATE runQueue SET status = 'interrupted', finishedAt = ?,
                        detail = 'the server stopped while it ran' WHERE status = 'started'
                    """,
                arguments: [date])
            return rows.map(Self.queuedRun).map { run in
                var run = run
                run.status = .interrupted
                run.finishedAt = date
                run.detail = "the server stopped while it ran"
                return run
            }
        }
    }

    static func queuedRun(_ row: Row) -> QueuedRun {
        QueuedRun(
            id: row["id"], project: row["project"], commitSHA: row["commitSHA"], ref: row["ref"], event: row["event"],
            source: row["source"],
            changedFiles: (row["changedFiles"] as String?).flatMap {
                try? JSONDecoder().decode([String].self, from: Data($0.utf8))
            },
            baseSHA: row["baseSHA"], status: QueuedRun.Status(rawValue: row["status"]) ?? .interrupted,
            queuedAt: row["queuedAt"],
            startedAt: row["startedAt"], finishedAt: row["finishedAt"], runID: row["runID"], detail: row["detail"],
            requestedBy: row["requestedBy"])
    }
}
