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

    /// Stores a new TOTP secret for a user (as given: the release module encrypts it), forgetting the
    /// previous one. A lockout and the count of wrong codes stay: enrolling again never lifts them.
    public func setTOTPSecret(_ secret: String, for name: String) throws {
        try write("enrol \(name) for TOTP") { db in
            try db.execute(
                sql: """
                    UPDATE users SET totpSecret = ?, totpLastStep = NULL
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

    /// Takes one of `limit` attempts at a TOTP code. Each attempt counts as a failure until the code is
    /// proven good (`resetTOTPFailures`), and the count is taken inside the write transaction, so any
    /// number of concurrent guesses get at most `limit` checks before the lockout of `lockout`.
    public func beginTOTPAttempt(
        for name: String, limit: Int = TOTPAttempt.limit, lockout: TimeInterval = TOTPAttempt.lockout,
        at now: Date = Date()
    )
        throws -> TOTPAttempt
    {
        try write("record a TOTP attempt") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT totpFailures, totpLockedUntil FROM users WHERE name = ?", arguments: [name])
            else { throw StoreError("no user named '\(name)'") }
            var failures: Int = row["totpFailures"] ?? 0
            if let until = row["totpLockedUntil"] as Date? {
                if until > now { return .locked(until: until) }
                failures = 0  // the lock has expired: a fresh set of attempts
            }
            failures += 1
            let last = failures >= limit
            try db.execute(
                sql: "UPDATE users SET totpFailures = ?, totpLockedUntil = ? WHERE name = ?",
                arguments: [failures, last ? now.addingTimeInterval(lockout) : nil, name])
            return .allowed(last: last)
        }
    }

    /// After a good code: the attempts taken so far (and a lock the last of them set) are forgiven.
    public func resetTOTPFailures(for name: String) throws {
        try write("record a good TOTP code") { db in
            try db.execute(
                sql: "UPDATE users SET totpFailures = 0, totpLockedUntil = NULL WHERE name = ?", arguments: [name])
        }
    }

    static func user(_ row: Row) -> UserRecord {
        UserRecord(
            name: row["name"], role: row["role"], totpSecret: row["totpSecret"], totpLastStep: row["totpLastStep"],
            totpLockedUntil: row["totpLockedUntil"], createdAt: row["createdAt"])
    }
}
