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
