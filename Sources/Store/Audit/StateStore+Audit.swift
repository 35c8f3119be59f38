import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Appends a row in one transaction: SQLite serialises writers, so two processes appending at once
    /// still form one chain.
    @discardableResult
    public func appendAudit(
        actor: String, action: String, subject: String, details: [String: String] = [:], at timestamp: Date = Date()
    ) throws -> AuditEntry {
        // Stored with millisecond precision, so the hash is computed over what is stored.
        let stamp = Date(timeIntervalSince1970: (timestamp.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        return try write("append to the audit log") { db in
            let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1")
            let sequence: Int64 = (last?["sequence"] ?? 0) + 1
            let previous: String = last?["hash"] ?? AuditEntry.genesis
            let hash = AuditEntry.computeHash(
                sequence: sequence, timestamp: stamp, actor: actor, action: action, subject: subject, details: details,
                previousHash: previous)
            try db.execute(
                sql: """
                    INSERT INTO audit (sequence, timestampMs, actor, action, subject, details, previousHash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    sequence, Int64(stamp.timeIntervalSince1970 * 1000), actor, action, subject, Self.encode(details),
                    previous, hash,
                ])
            return AuditEntry(
                sequence: sequence, timestamp: stamp, actor: actor, action: action, subject: subject, details: details,
                previousHash: previous, hash: hash)
        }
    }

    /// Rows in order, optionally only those whose subject starts with `subjectPrefix` (e.g. `web@`).
    public func auditEntries(subjectPrefix: String? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        try read("read the audit log") { db in
            let rows: [Row]
            if let subjectPrefix {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM audit WHERE subject LIKE ? ESCAPE '\\' ORDER BY sequence DESC LIMIT ?",
                    arguments: [Self.likeEscaped(subjectPrefix) + "%", limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM audit ORDER BY sequence DESC LIMIT ?", arguments: [limit])
            }
            return rows.reversed().map(Self.entry)
        }
    }

    /// Recomputes every hash and link of the chain.
    public func verifyAudit() throws -> AuditVerification {
        try read("verify the audit log") { db in
            var problems: [String] = []
            var previous = AuditEntry.genesis
            var expected: Int64 = 1
            var count = 0
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit ORDER BY sequence")
            while let row = try cursor.next() {
                let entry = Self.entry(row)
                count += 1
                if entry.sequence != expected {
                    problems.append("row \(entry.sequence): expected row \(expected) here; rows were deleted")
                }
                if entry.previousHash != previous {
                    problems.append(
                        "row \(entry.sequence): does not link to the row before it (deleted, inserted or reordered rows)"
                    )
                }
                let recomputed = AuditEntry.computeHash(
                    sequence: entry.sequence, timestamp: entry.timestamp, actor: entry.actor, action: entry.action,
                    subject: entry.subject, details: entry.details, previousHash: entry.previousHash)
                if recomputed != entry.hash {
                    problems.append("row \(entry.sequence): its content does not match its hash (the row was edited)")
                }
                previous = entry.hash
                expected = entry.sequence + 1
            }
            return AuditVerification(count: count, headHash: previous, problems: problems)
        }
    }

    static func entry(_ row: Row) -> AuditEntry {
        let millis: Int64 = row["timestampMs"]
        let detailsText: String = row["details"]
        let details =
            (try? JSONSerialization.jsonObject(with: Data(detailsText.utf8)) as? [String: String]) ?? [
                "<unreadable>": detailsText
            ]
        return AuditEntry(
            sequence: row["sequence"], timestamp: Date(timeIntervalSince1970: Double(millis) / 1000),
            actor: row["actor"],
            action: row["action"], subject: row["subject"], details: details, previousHash: row["previousHash"],
            hash: row["hash"])
    }

    static func encode(_ details: [String: String]) -> String {
        (try? CanonicalJSON.encode(details)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
