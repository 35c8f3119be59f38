import Crypto
import Foundation
import Testing

@testable import Store

/// Pinned bytes: a fixed sequence of audit entries gives a fixed head, keyed and unkeyed.
@Suite struct GoldenAuditTests {
    private func head(key: SymmetricKey?) -> String {
        var previous = AuditEntry.genesis
        let entries: [(String, String, String, [String: String])] = [
            ("alice", "pack", "web@sha256:" + String(repeating: "a", count: 64), ["tag": "v1", "signed": "true"]),
            (
                "bob", "promote", "web",
                ["environment": "prod", "digest": "sha256:" + String(repeating: "b", count: 64)]
            ),
            ("ci", "run", "20261129-120000-abcdef", ["status": "success", "pipeline": "web / ü € 😀"]),
        ]
        for (index, entry) in entries.enumerated() {
            previous = AuditEntry.computeHash(
                sequence: Int64(index + 1), timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 60),
                actor: entry.0, action: entry.1, subject: entry.2, details: entry.3, previousHash: previous, key: key)
        }
        return previous
    }

    @Test func aFixedSequenceGivesAFixedHead() {
        // Checked independently with Python (json.dumps sorted, compact, UTF-8; hashlib/hmac).
        #expect(head(key: nil) == "96888973256b8e0e165aa092a0e0661b47d1bf112ef0366eb0d60013b50859e3")
        #expect(
            head(key: SymmetricKey(data: Data(repeating: 7, count: 32)))
                == "ef51518f964d0bf4a0f01b2c208a13db185c1fffb61d60cc279d84a7ec6eaf4a")
    }
}
