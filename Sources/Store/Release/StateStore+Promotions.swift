import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Records a new promotion, taking the app × environment lock. When another promotion holds it, a
    /// promotion whose driving process is gone (`isStale` says so) is closed as `abandoned` and the lock
    /// taken — after `stopLeftovers` has stopped whatever its deploy left running, so an orphaned deploy
    /// can never finish after a newer one; otherwise `PromotionConflict` names the one in progress.
    public func openPromotion(
        _ record: PromotionRecord, isStale: (PromotionRecord) -> Bool = { _ in false },
        stopLeftovers: (PromotionRecord) -> Void = { _ in }
    ) throws -> PromotionRecord {
        for _ in 0..<2 {
            if let existing = try openPromotion(app: record.app, environment: record.environment) {
                guard isStale(existing) else { throw PromotionConflict(existing: existing) }
                stopLeftovers(existing)
                let now = Date()
                let why =
                    if let lease = existing.leaseExpiresAt, lease < now {
                        "its lease expired at \(Timestamp.iso8601(lease)): its process (pid \(existing.pid ?? 0) on \(existing.host ?? "?")) stopped renewing it"
                    } else {
                        "its process (pid \(existing.pid ?? 0)) ended before it finished"
                    }
                try write("close an abandoned promotion") { db in
                    try db.execute(
                        sql: """
                            UPDATE promotions SET status = ?, finishedAt = ?, detail = ?
                            WHERE id = ? AND status = ? AND fencingToken IS ? AND leaseExpiresAt IS ?
                            """,
                        // Compare-and-set on what was judged: a lease renewed or taken over meanwhile wins.
                        arguments: [
                            PromotionStatus.abandoned.rawValue, now, why, existing.id, existing.status.rawValue,
                            existing.fencingToken, existing.leaseExpiresAt,
                        ])
                }
                continue
            }
            do {
                defer { localCommits.add(1, ordering: .releasing) }
                return try pool.write { db in
                    let inserted = try Self.insert(record, db)
                    if inserted.status == .awaitingApproval {
                        try Self.enqueueEvent(
                            db, type: "approval.requested", subject: "\(inserted.app)@\(inserted.digest)",
                            fields: Self.eventFields(inserted, detail: inserted.detail))
                    }
                    return inserted
                }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // Another process took the lock between our read and our insert: report it.
                continue
            } catch let error as DatabaseError {
                throw StoreError("cannot record the promotion: \(error.message ?? error.description)")
            }
        }
        if let existing = try openPromotion(app: record.app, environment: record.environment) {
            throw PromotionConflict(existing: existing)
        }
        throw StoreError("cannot record promotion \(record.id): the lock changed hands repeatedly; try again")
    }

    /// The promotion holding the app × environment lock, if any.
    public func openPromotion(app: String, environment: String) throws -> PromotionRecord? {
        try read("read promotions") { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM promotions WHERE app = ? AND environment = ?
                    AND status IN ('awaiting_approval', 'deploying', 'verifying', 'rolling_back')
                    """,
                arguments: [app, environment]
            ).map(Self.promotion)
        }
    }

    /// Every open promotion (holding its app × environment lock), optionally of one app.
    public func openPromotions(app: String? = nil) throws -> [PromotionRecord] {
        let statuses = PromotionStatus.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try read("read promotions") { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM promotions WHERE status IN (\(statuses)) AND (? IS NULL OR app = ?) ORDER BY app, environment",
                arguments: [app, app]
            ).map(Self.promotion)
        }
    }

    /// A promotion by id.
    public func promotion(id: String) throws -> PromotionRecord? {
        try read("read promotions") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM promotions WHERE id = ?", arguments: [id]).map(Self.promotion)
        }
    }

    /// Promotions, newest first, optionally for one app and/or environment.
    public func promotions(app: String? = nil, environment: String? = nil, limit: Int = 100) throws
        -> [PromotionRecord]
    {
        try read("read promotions") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let app {
                conditions.append("app = ?")
                _ = arguments.append(contentsOf: [app])
            }
            if let environment {
                conditions.append("environment = ?")
                _ = arguments.append(contentsOf: [environment])
            }
            _ = arguments.append(contentsOf: [limit])
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM promotions \(whereClause) ORDER BY requestedAt DESC, rowid DESC LIMIT ?",
                arguments: arguments
            ).map(Self.promotion)
        }
    }

    /// Moves a promotion from one of `from` to `to` (compare-and-set); false when it was not in `from`.
    @discardableResult
    public func transition(
        _ id: String, from: [PromotionStatus], to status: PromotionStatus, detail: String, pid: Int32? = nil,
        ownerStart: Int64? = nil, ownerMark: String? = nil, lease: Date? = nil
    ) throws -> Bool {
        try write("update promotion \(id)") { db in
            let finished: Date? = status.isOpen ? nil : Date()
            let placeholders = from.map { _ in "?" }.joined(separator: ", ")
            // Taking the promotion over with a lease grants a new fencing token.
            let token: Int64? = lease == nil ? nil : try Self.nextFencingToken(db)
            var arguments: StatementArguments = [
                status.rawValue, detail, finished, pid, ownerStart, ownerMark, lease, token, id,
            ]
            _ = arguments.append(contentsOf: StatementArguments(from.map(\.rawValue)))
            try db.execute(
                sql: """
                    UPDATE promotions SET status = ?, detail = ?, finishedAt = ?, pid = COALESCE(?, pid),
                        ownerStart = COALESCE(?, ownerStart), ownerMark = COALESCE(?, ownerMark),
                        leaseExpiresAt = COALESCE(?, leaseExpiresAt), fencingToken = COALESCE(?, fencingToken)
                    WHERE id = ? AND status IN (\(placeholders))
                    """,
                arguments: arguments)
            let changed = db.changesCount == 1
            if changed, status == .failed || status == .aborted,
                let record = try Row.fetchOne(db, sql: "SELECT * FROM promotions WHERE id = ?", arguments: [id])
                    .map(Self.promotion)
            {
                try Self.enqueueEvent(
                    db, type: "promotion.\(status.rawValue)", subject: "\(record.app)@\(record.digest)",
                    fields: Self.eventFields(record, detail: detail))
            }
            return changed
        }
    }

    /// Closes a promotion whose deployment is verified, in one transaction: the promotion succeeds,
    /// the environment points to its digest, and last-known-good moves to it when `verified`.
    public func completePromotion(_ id: String, verified: Bool, detail: String, at date: Date = Date()) throws {
        try write("complete promotion \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM promotions WHERE id = ?", arguments: [id]) else {
                throw StoreError("promotion \(id) does not exist")
            }
            let record = try Self.promotion(row)
            try db.execute(
                sql: "UPDATE promotions SET status = ?, detail = ?, finishedAt = ? WHERE id = ?",
                arguments: [PromotionStatus.succeeded.rawValue, detail, date, id])
            try Self.enqueueEvent(
                db, type: record.kind == .rollback ? "rollback.succeeded" : "promotion.succeeded",
                subject: "\(record.app)@\(record.digest)", fields: Self.eventFields(record, detail: detail), at: date)
            try Self.point(
                db, app: record.app, environment: record.environment, digest: record.digest, tag: record.tag,
                commit: record.commit, promotionID: id, by: record.requestedBy, at: date, verified: verified)
        }
    }

    /// Closes a promotion whose deployment failed and whose environment was redeployed to
    /// `restored` (last-known-good), in one transaction.
    public func closeRolledBack(_ id: String, restored: PromotionRecord, detail: String, at date: Date = Date()) throws
    {
        try write("record the automatic rollback of \(id)") { db in
            try db.execute(
                sql: "UPDATE promotions SET status = ?, detail = ?, finishedAt = ? WHERE id = ?",
                arguments: [PromotionStatus.rolledBack.rawValue, detail, date, id])
            if let failed = try Row.fetchOne(db, sql: "SELECT * FROM promotions WHERE id = ?", arguments: [id])
                .map(Self.promotion)
            {
                var fields = Self.eventFields(failed, detail: detail)
                fields["restored"] = restored.digest.description
                try Self.enqueueEvent(
                    db, type: "promotion.rolled_back", subject: "\(failed.app)@\(failed.digest)", fields: fields,
                    at: date)
            }
            try Self.point(
                db, app: restored.app, environment: restored.environment, digest: restored.digest, tag: restored.tag,
                commit: restored.commit, promotionID: restored.id, by: restored.requestedBy, at: date, verified: true)
        }
    }

    /// What a promotion's notification says.
    static func eventFields(_ record: PromotionRecord, detail: String) -> [String: String] {
        var fields = [
            "promotion": record.id, "kind": record.kind.rawValue, "app": record.app,
            "environment": record.environment, "digest": record.digest.description, "requested_by": record.requestedBy,
            "detail": detail,
        ]
        fields["tag"] = record.tag
        fields["commit"] = record.commit
        return fields
    }

    private static func point(
        _ db: Database, app: String, environment: String, digest: Digest, tag: String?, commit: String?,
        promotionID: String, by actor: String, at date: Date, verified: Bool
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO environmentPointers
                    (app, environment, digest, tag, commitSHA, promotionID, deployedAt, deployedBy, lastKnownGood,
                     lastKnownGoodAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(app, environment) DO UPDATE SET
                    digest = excluded.digest, tag = excluded.tag, commitSHA = excluded.commitSHA,
                    promotionID = excluded.promotionID, deployedAt = excluded.deployedAt,
                    deployedBy = excluded.deployedBy,
                    lastKnownGood = COALESCE(excluded.lastKnownGood, lastKnownGood),
                    lastKnownGoodAt = COALESCE(excluded.lastKnownGoodAt, lastKnownGoodAt)
                """,
            arguments: [
                app, environment, digest, tag, commit, promotionID, date, actor, verified ? digest : nil,
                verified ? date : nil,
            ])
    }

    /// What `environment` runs for `app`.
    public func pointer(app: String, environment: String) throws -> EnvironmentPointer? {
        try read("read environments") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM environmentPointers WHERE app = ? AND environment = ?",
                arguments: [app, environment]
            ).map(Self.pointer)
        }
    }

    /// Every pointer, optionally for one app.
    public func pointers(app: String? = nil) throws -> [EnvironmentPointer] {
        try read("read environments") { db in
            if let app {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM environmentPointers WHERE app = ? ORDER BY app, environment",
                    arguments: [app]
                ).map(Self.pointer)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM environmentPointers ORDER BY app, environment").map(
                Self.pointer)
        }
    }

    /// Succeeded deployments of `app` in `environment`, newest first (one per promotion).
    public func deployments(app: String, environment: String) throws -> [PromotionRecord] {
        try read("read promotions") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM promotions WHERE app = ? AND environment = ? AND status = 'succeeded'
                    ORDER BY finishedAt DESC, rowid DESC
                    """,
                arguments: [app, environment]
            ).map(Self.promotion)
        }
    }

    /// Whether `digest` of `app` was once deployed to `environment` and verified there.
    public func hasPassed(app: String, environment: String, digest: Digest) throws -> Bool {
        try read("read promotions") { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS(SELECT 1 FROM promotions WHERE app = ? AND environment = ? AND digest = ?
                    AND status = 'succeeded')
                    """,
                arguments: [app, environment, digest]) ?? false
        }
    }

    /// Digests any open promotion refers to.
    public func digestsInOpenPromotions() throws -> Set<Digest> {
        try read("read promotions") { db in
            Set(
                try Digest.fetchAll(
                    db,
                    sql: """
                        SELECT digest FROM promotions
                        WHERE status IN ('awaiting_approval', 'deploying', 'verifying', 'rolling_back')
                        """))
        }
    }

    /// Inserts `record`; one with a lease gets the next fencing token. Returns it as stored.
    static func insert(_ record: PromotionRecord, _ db: Database) throws -> PromotionRecord {
        var record = record
        if record.leaseExpiresAt != nil { record.fencingToken = try nextFencingToken(db) }
        try db.execute(
            sql: """
                INSERT INTO promotions (id, kind, app, environment, digest, tag, commitSHA, status, requestedBy,
                    requestedAt, finishedAt, previousDigest, reason, irreversible, approvalsRequired, detail, pid, host,
                    ownerStart, ownerMark, leaseExpiresAt, fencingToken)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.id, record.kind.rawValue, record.app, record.environment, record.digest, record.tag,
                record.commit, record.status.rawValue, record.requestedBy, record.requestedAt, record.finishedAt,
                record.previousDigest, record.reason, record.irreversible, record.approvalsRequired, record.detail,
                record.pid, record.host, record.ownerStart, record.ownerMark, record.leaseExpiresAt,
                record.fencingToken,
            ])
        return record
    }

    /// One more than any token granted so far (in the write transaction that grants it).
    static func nextFencingToken(_ db: Database) throws -> Int64 {
        (try Int64.fetchOne(db, sql: "SELECT MAX(fencingToken) FROM promotions") ?? 0) + 1
    }

    /// Extends the lease of an open promotion, if `token` still holds it; false when it does not (the
    /// promotion was closed, or taken over after its lease expired).
    public func renewLease(_ id: String, token: Int64, until: Date) throws -> Bool {
        try write("renew the lease of promotion \(id)") { db in
            try db.execute(
                sql: """
                    UPDATE promotions SET leaseExpiresAt = ?
                    WHERE id = ? AND fencingToken = ? AND status IN ('deploying', 'verifying', 'rolling_back')
                    """,
                arguments: [until, id, token])
            return db.changesCount == 1
        }
    }

    static func promotion(_ row: Row) throws -> PromotionRecord {
        var record = PromotionRecord(
            id: row["id"], kind: PromotionKind(rawValue: row["kind"]) ?? .promote, app: row["app"],
            environment: row["environment"], digest: try digest(row, "digest"), tag: row["tag"],
            commit: row["commitSHA"], status: PromotionStatus(rawValue: row["status"]) ?? .failed,
            requestedBy: row["requestedBy"], requestedAt: row["requestedAt"],
            previousDigest: try optionalDigest(row, "previousDigest"), reason: row["reason"],
            irreversible: row["irreversible"], approvalsRequired: row["approvalsRequired"], detail: row["detail"],
            pid: row["pid"], host: row["host"], ownerStart: row["ownerStart"], ownerMark: row["ownerMark"],
            leaseExpiresAt: row["leaseExpiresAt"], fencingToken: row["fencingToken"])
        record.finishedAt = row["finishedAt"]
        return record
    }

    static func pointer(_ row: Row) throws -> EnvironmentPointer {
        EnvironmentPointer(
            app: row["app"], environment: row["environment"], digest: try digest(row, "digest"), tag: row["tag"],
            commit: row["commitSHA"], promotionID: row["promotionID"], deployedAt: row["deployedAt"],
            deployedBy: row["deployedBy"], lastKnownGood: try optionalDigest(row, "lastKnownGood"),
            lastKnownGoodAt: row["lastKnownGoodAt"])
    }

}
