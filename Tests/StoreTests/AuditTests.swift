import Foundation
import GRDB
import GantryTestSupport
import Testing

@testable import Store

@Suite struct AuditTests {
    func storeWithEntries(_ count: Int) throws -> (TemporaryDirectory, StateStore) {
        let directory = try TemporaryDirectory()
        let store = try StateStore(directory: directory.url)
        for index in 1...count {
            try store.appendAudit(
                actor: "ada", action: "pack", subject: "web@sha256:\(index)", details: ["tag": "v\(index)"])
        }
        return (directory, store)
    }

    @Test func appendedEntriesFormAnIntactChain() throws {
        let (directory, store) = try storeWithEntries(5)
        defer { directory.remove() }
        let entries = try store.auditEntries()
        #expect(entries.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(entries[0].previousHash == AuditEntry.genesis)
        #expect(entries[1].previousHash == entries[0].hash)
        let result = try store.verifyAudit()
        #expect(result.isIntact)
        #expect(result.count == 5)
        #expect(result.headHash == entries[4].hash)
        #expect(try store.auditEntries(subjectPrefix: "web@sha256:3").map(\.sequence) == [3])
    }

    /// Rewrites every row from `from` on with the plain SHA-256 scheme, as someone with write access to
    /// the database but not to the audit key would.
    static func recomputeChain(_ store: StateStore, from: Int64, scheme: Int) throws {
        try store.pool.write { db in
            var previous =
                try String.fetchOne(db, sql: "SELECT hash FROM audit WHERE sequence = ?", arguments: [from - 1])
                ?? AuditEntry.genesis
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM audit WHERE sequence >= ? ORDER BY sequence", arguments: [from])
            {
                let entry = StateStore.entry(row)
                let hash = AuditEntry.computeHash(
                    sequence: entry.sequence, timestamp: entry.timestamp, actor: entry.actor, action: entry.action,
                    subject: entry.subject, details: entry.details, previousHash: previous)
                try db.execute(
                    sql: "UPDATE audit SET previousHash = ?, hash = ?, scheme = ? WHERE sequence = ?",
                    arguments: [previous, hash, scheme, entry.sequence])
                previous = hash
            }
        }
    }

    /// Before: a row could be edited and the plain SHA-256 chain recomputed, and `audit verify` said intact.
    @Test func anEditedRowWithARecomputedChainIsDetectedWithoutTheKey() throws {
        let (directory, store) = try storeWithEntries(4)
        defer { directory.remove() }
        try store.pool.write { try $0.execute(sql: "UPDATE audit SET actor = 'mallory' WHERE sequence = 3") }
        // Recomputed in the keyed scheme's place: the HMAC does not match.
        try Self.recomputeChain(store, from: 3, scheme: 2)
        #expect(
            try store.verifyAudit().problems.contains("row 3: its content does not match its hash (the row was edited)")
        )
        // Recomputed as unkeyed rows: a downgrade after keyed rows.
        try Self.recomputeChain(store, from: 3, scheme: 1)
        #expect(try store.verifyAudit().problems.contains("row 3: not keyed, after keyed rows (the row was rewritten)"))
    }

    @Test func aSignedAnchorCatchesATruncatedEmptiedOrRewrittenLog() throws {
        let (directory, store) = try storeWithEntries(5)
        defer { directory.remove() }
        let head = try #require(try store.auditHead())
        #expect(try store.verifyAudit(anchor: head).isIntact)
        // The whole chain rewritten as unkeyed rows: internally consistent, but not what was signed.
        try store.pool.write { try $0.execute(sql: "UPDATE audit SET actor = 'mallory' WHERE sequence = 1") }
        try Self.recomputeChain(store, from: 1, scheme: 1)
        #expect(try store.verifyAudit().isIntact)
        #expect(
            try store.verifyAudit(anchor: head).problems == [
                "row 5: differs from the signed checkpoint of it (the chain was rewritten)"
            ])
        // A dropped tail, and an emptied log.
        try store.pool.write { try $0.execute(sql: "DELETE FROM audit WHERE sequence >= 4") }
        #expect(try store.verifyAudit(anchor: head).problems.contains { $0.contains("rows were deleted") })
        try store.pool.write { try $0.execute(sql: "DELETE FROM audit") }
        #expect(
            try store.verifyAudit(anchor: head).problems == [
                "the log ends at row 0 but a signed checkpoint covers 5 rows: rows were deleted"
            ])
    }

    @Test func theAuditKeyIsPrivateAndRequired() throws {
        let (directory, store) = try storeWithEntries(2)
        defer { directory.remove() }
        let key = directory.url.appendingPathComponent("keys/audit.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o600)
        try FileManager.default.removeItem(atPath: key)
        #expect(try store.verifyAudit().problems.contains { $0.hasPrefix("the audit key") })
    }

    /// Before: with USER and LOGNAME unset (containers, CI) the actor was `unknown`.
    @Test func theActorFallsBackToTheAccountName() throws {
        let account = try #require(getpwuid(geteuid())).pointee.pw_name.map { String(cString: $0) }
        #expect(AuditActor.current([:]) == account)
        #expect(AuditActor.current(["USER": "ada"]) == "ada")
        #expect(AuditActor.current(["GANTRY_ACTOR": "ci-bot", "USER": "ada"]) == "ci-bot")
    }

    @Test func anEditedRowIsDetected() throws {
        let (directory, store) = try storeWithEntries(4)
        defer { directory.remove() }
        try store.pool.write { try $0.execute(sql: "UPDATE audit SET actor = 'mallory' WHERE sequence = 2") }
        let result = try store.verifyAudit()
        #expect(result.problems == ["row 2: its content does not match its hash (the row was edited)"])
    }

    @Test func aDeletedRowIsDetected() throws {
        let (directory, store) = try storeWithEntries(4)
        defer { directory.remove() }
        try store.pool.write { try $0.execute(sql: "DELETE FROM audit WHERE sequence = 2") }
        let result = try store.verifyAudit()
        #expect(result.problems.contains("row 3: expected row 2 here; rows were deleted"))
        #expect(result.problems.contains { $0.hasPrefix("row 3: does not link") })
    }

    @Test func reorderedRowsAreDetected() throws {
        let (directory, store) = try storeWithEntries(4)
        defer { directory.remove() }
        // Swap the content of rows 2 and 3, keeping the sequence numbers in order.
        try store.pool.write { db in
            try db.execute(sql: "UPDATE audit SET sequence = -2 WHERE sequence = 2")
            try db.execute(sql: "UPDATE audit SET sequence = 2 WHERE sequence = 3")
            try db.execute(sql: "UPDATE audit SET sequence = 3 WHERE sequence = -2")
        }
        #expect(!(try store.verifyAudit().isIntact))
    }

    @Test func concurrentAppendersKeepOneChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try StateStore(directory: directory.url)
        let second = try StateStore(directory: directory.url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in [first, second].enumerated() {
                group.addTask {
                    for n in 0..<30 { try store.appendAudit(actor: "p\(index)", action: "run", subject: "r\(n)") }
                }
            }
            try await group.waitForAll()
        }
        let result = try first.verifyAudit()
        #expect(result.count == 60)
        #expect(result.isIntact, "\(result.problems)")
    }
}
