public import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Stores a new API token (its hash, never the secret).
    public func addToken(_ token: APITokenRecord) throws {
        try write("save token \(token.id)") { db in
            let exists = try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM apiTokens WHERE id = ? OR hash = ?)",
                arguments: [token.id, token.hash])
            guard exists != true else { throw StoreError("a token with id \(token.id) already exists") }
            try db.execute(
                sql: """
                    INSERT INTO apiTokens (id, user, role, hash, createdAt, expiresAt, revokedAt, lastUsedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id, token.user, token.role.rawValue, token.hash, token.createdAt, token.expiresAt,
                    token.revokedAt, token.lastUsedAt,
                ])
        }
    }

    /// The token whose secret hashes to `hash`.
    public func token(hash: String) throws -> APITokenRecord? {
        try read("look up a token") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM apiTokens WHERE hash = ?", arguments: [hash]).map(Self.token)
        }
    }

    /// Every token, newest first.
    public func tokens() throws -> [APITokenRecord] {
        try read("list tokens") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM apiTokens ORDER BY createdAt DESC, id").map(Self.token)
        }
    }

    /// Revokes a token; false when there is no such token or it was revoked already.
    public func revokeToken(id: String, at date: Date = Date()) throws -> Bool {
        try write("revoke token \(id)") { db in
            try db.execute(
                sql: "UPDATE apiTokens SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL", arguments: [date, id])
            return db.changesCount == 1
        }
    }

    /// Records a use of a token, at most once a minute (a busy client does not write on every request).
    public func touchToken(id: String, at date: Date = Date()) throws {
        try write("record a token's use") { db in
            try db.execute(
                sql: "UPDATE apiTokens SET lastUsedAt = ? WHERE id = ? AND (lastUsedAt IS NULL OR lastUsedAt < ?)",
                arguments: [date, id, date.addingTimeInterval(-60)])
        }
    }

    static func token(_ row: Row) -> APITokenRecord {
        APITokenRecord(
            id: row["id"], user: row["user"],
            // An unknown role (written by a newer Gantry) grants the least.
            role: ServerRole(rawValue: row["role"]) ?? .viewer, hash: row["hash"], createdAt: row["createdAt"],
            expiresAt: row["expiresAt"], revokedAt: row["revokedAt"], lastUsedAt: row["lastUsedAt"])
    }
}
