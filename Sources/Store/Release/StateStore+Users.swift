import Foundation
import GRDB
import GantryCore

extension StateStore {
    /// Adds a user, or changes the role of an existing one.
    public func upsertUser(name: String, role: String, at date: Date = Date()) throws {
        try write("save user \(name)") { db in
            try db.execute(
                sql: """
                    INSERT INTO users (name, role, createdAt) VALUES (?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET role = excluded.role
                    """,
                arguments: [name, role, date])
        }
    }

    /// A user by name.
    public func user(_ name: String) throws -> UserRecord? {
        try read("read users") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.user)
        }
    }

    /// Every user, by name.
    public func users() throws -> [UserRecord] {
        try read("read users") { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.user) }
    }

    /// Stores a new TOTP secret (base32) for a user, forgetting the previous one and its used codes.
    public func setTOTPSecret(_ secret: String, for name: String) throws {
        try write("enrol \(name) for TOTP") { db in
            try db.execute(
                sql: """
                    UPDATE users SET totpSecret = ?, totpLastStep = NULL, totpFailures = 0, totpLockedUntil = NULL
                    WHERE name = ?
                    """,
                arguments: [secret, name])
            guard db.changesCount == 1 else {
                throw StoreError("no user named '\(name)' (add it with 'gantry users add')")
            }
        }
    }

    /// Marks TOTP time step `step` used by `name`. False when that step or a later one was already used:
    /// a code is accepted once, and never one older than the last accepted.
    public func consumeTOTPStep(_ step: Int64, for name: String) throws -> Bool {
        try write("record the TOTP code's use") { db in
            try db.execute(
                sql: "UPDATE users SET totpLastStep = ? WHERE name = ? AND (totpLastStep IS NULL OR totpLastStep < ?)",
                arguments: [step, name, step])
            return db.changesCount == 1
        }
    }

    /// Counts a wrong TOTP code; after `limit` in a row the user is locked out of TOTP for `lockout`.
    /// Returns the time the lock ends when this failure set one.
    @discardableResult
    public func recordTOTPFailure(for name: String, limit: Int = 5, lockout: TimeInterval = 900, at now: Date = Date())
        throws -> Date?
    {
        try write("record a wrong TOTP code") { db in
            try db.execute(sql: "UPDATE users SET totpFailures = totpFailures + 1 WHERE name = ?", arguments: [name])
            let failures =
                try Int.fetchOne(db, sql: "SELECT totpFailures FROM users WHERE name = ?", arguments: [name]) ?? 0
            guard failures >= limit else { return nil }
            let until = now.addingTimeInterval(lockout)
            try db.execute(
                sql: "UPDATE users SET totpFailures = 0, totpLockedUntil = ? WHERE name = ?", arguments: [until, name])
            return until
        }
    }

    /// Clears the failure count after a good code.
    public func resetTOTPFailures(for name: String) throws {
        try write("record a good TOTP code") { db in
            try db.execute(sql: "UPDATE users SET totpFailures = 0 WHERE name = ?", arguments: [name])
        }
    }

    static func user(_ row: Row) -> UserRecord {
        UserRecord(
            name: row["name"], role: row["role"], totpSecret: row["totpSecret"], totpLastStep: row["totpLastStep"],
            totpLockedUntil: row["totpLockedUntil"], createdAt: row["createdAt"])
    }
}
