import Foundation
import GRDB
public import GantryCore

extension StateStore {
    /// Remembers that `digest` was pushed to `registry/repository`.
    public func recordPush(registry: String, repository: String, digest: Digest, at date: Date = Date()) throws {
        try write("record the push") { db in
            try db.execute(
                sql: """
                    INSERT INTO registryPushes (registry, repository, digest, pushedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT(registry, repository, digest) DO UPDATE SET pushedAt = excluded.pushedAt
                    """,
                arguments: [registry, repository, digest, date])
        }
    }

    /// Repositories of `registry` that `digest` was pushed to, most recent first.
    public func pushedRepositories(registry: String, digest: Digest) throws -> [String] {
        try read("read pushes") { db in
            try String.fetchAll(
                db,
                sql: "SELECT repository FROM registryPushes WHERE registry = ? AND digest = ? ORDER BY pushedAt DESC",
                arguments: [registry, digest])
        }
    }
}
