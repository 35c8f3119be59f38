public import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Adds an event to the outbox inside the caller's transaction: it exists exactly when the change
    /// it reports was committed.
    static func enqueueEvent(
        _ db: Database, type: String, subject: String, fields: [String: String], at date: Date = Date()
    ) throws {
        let json = String(
            decoding: (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8),
            as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO outbox (id, type, subject, fields, createdAt, state, attempts, nextAttemptAt)
                VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)
                """,
            arguments: [UUID().uuidString.lowercased(), type, subject, json, StoredDate(date), StoredDate(date)])
    }

    /// Pending events due at `date`, oldest first.
    public func dueEvents(at date: Date = Date(), limit: Int = 20) throws -> [OutboxEvent] {
        try read("read the outbox") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM outbox WHERE state = 'pending' AND nextAttemptAt <= ? ORDER BY sequence LIMIT ?",
                arguments: [date, max(0, limit)]
            ).map(Self.event)
        }
    }

    public func markDelivered(_ id: String, at date: Date = Date()) throws {
        try write("record a delivered notification") { db in
            try db.execute(
                sql: "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, lastError = NULL WHERE id = ?",
                arguments: [id])
        }
    }

    public func markFailed(_ id: String, error: String, retryAt: Date?) throws {
        try write("record a failed notification") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, lastError = ?, state = ?,
                        nextAttemptAt = COALESCE(?, nextAttemptAt) WHERE id = ? AND state = 'pending'
                    """,
                arguments: [String(error.prefix(1000)), retryAt == nil ? "dead" : "pending", retryAt, id])
        }
    }

    public func outboxEvents(state: OutboxEvent.State, limit: Int = 100) throws -> [OutboxEvent] {
        try read("read the outbox") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE state = ? ORDER BY sequence DESC LIMIT ?",
                arguments: [state.rawValue, max(0, limit)]
            ).map(Self.event)
        }
    }

    public func retryEvent(_ id: String, at date: Date = Date()) throws -> Bool {
        try write("retry a notification") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending', attempts = 0, nextAttemptAt = ?, lastError = NULL
                    WHERE id = ? AND state = 'dead'
                    """,
                arguments: [date, id])
            return db.changesCount == 1
        }
    }

    public func pruneOutbox(deliveredBefore delivered: Date, deadBefore dead: Date) throws -> Int {
        try write("prune the outbox") { db in
            try db.execute(
                sql: """
                    DELETE FROM outbox WHERE (state = 'delivered' AND createdAt < ?) OR (state = 'dead' AND createdAt < ?)
                    """,
                arguments: [delivered, dead])
            return db.changesCount
        }
    }

    static func event(_ row: Row) -> OutboxEvent {
        let fields =
            (row["fields"] as String?).flatMap {
                try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
            } ?? [:]
        return OutboxEvent(
            sequence: row["sequence"], id: row["id"], type: row["type"], subject: row["subject"], fields: fields,
            createdAt: row["createdAt"], state: OutboxEvent.State(rawValue: row["state"]) ?? .dead,
            attempts: row["attempts"], nextAttemptAt: row["nextAttemptAt"], lastError: row["lastError"])
    }
}
