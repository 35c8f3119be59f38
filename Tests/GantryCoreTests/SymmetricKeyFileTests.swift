import Crypto
import Foundation
import GantryTestSupport
import Testing

@testable import GantryCore

/// A key file created by several processes at once: one key wins, nobody reads it half-written.
@Suite struct SymmetricKeyFileTests {
    @Test func concurrentCreatorsAllGetTheOneKeyThatWon() async throws {
        for round in 0..<20 {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.url.appendingPathComponent("keys/test-\(round).key").path
            let keys = try await withThrowingTaskGroup(of: Data.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try SymmetricKeyFile.loadOrCreate(path, what: "a test key").withUnsafeBytes { Data($0) }
                    }
                }
                return try await group.reduce(into: [Data]()) { $0.append($1) }
            }
            #expect(Set(keys).count == 1)
            #expect(FileManager.default.contents(atPath: path) == keys.first)
            // Only the key is left in the folder: no temporary file.
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("keys").path)
                    == ["test-\(round).key"])
        }
    }
}
