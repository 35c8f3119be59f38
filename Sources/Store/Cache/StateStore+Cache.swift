public import Foundation
import GRDB
public import GantryCore

extension StateStore {
    /// The blob digest saved under a cache key, if any.
    public func cacheDigest(forKey key: String) throws -> Digest? {
        try read("read cache entry") { db in
            try Self.digest(
                text: try String.fetchOne(db, sql: "SELECT digest FROM cacheEntries WHERE key = ?", arguments: [key]),
                column: "cacheEntries.digest")
        }
    }

    /// Cache entries whose key starts with `prefix`, newest first (the `restore-keys` lookup).
    public func cacheEntries(withPrefix prefix: String, limit: Int = 50) throws -> [(key: String, digest: Digest)] {
        try read("read cache entries by prefix") { db in
            // substr, not LIKE: a key may hold % or _.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT key, digest FROM cacheEntries WHERE substr(key, 1, length(?)) = ?
                    ORDER BY createdAt DESC, rowid DESC LIMIT ?
                    """,
                arguments: [prefix, prefix, limit]
            ).map { (key: $0["key"], digest: try Self.digest($0, "digest")) }
        }
    }

    /// Records a cache key → blob digest. The first writer wins, as with GitHub's cache (keys are immutable).
    public func saveCacheEntry(key: String, digest: Digest, size: Int64) throws {
        try write("save cache entry") { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO cacheEntries (key, digest, size, createdAt) VALUES (?, ?, ?, ?)",
                arguments: [key, digest, size, Date()])
        }
    }

    /// Records where snapshot `digest` was saved and whether its content names that workspace's
    /// absolute path. The first record wins: the same bytes name the same path.
    public func recordSnapshotOrigin(digest: Digest, workspace: String, pathBound: Bool) throws {
        try write("record a cache snapshot's origin") { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO snapshotOrigins (digest, workspace, pathBound) VALUES (?, ?, ?)",
                arguments: [digest, workspace, pathBound])
        }
    }

    /// Where snapshot `digest` was saved, and whether its content names that path; nil when unknown.
    public func snapshotOrigin(digest: Digest) throws -> (workspace: String, pathBound: Bool)? {
        try read("read a cache snapshot's origin") { db in
            try Row.fetchOne(
                db, sql: "SELECT workspace, pathBound FROM snapshotOrigins WHERE digest = ?", arguments: [digest]
            ).map { (workspace: $0["workspace"], pathBound: $0["pathBound"]) }
        }
    }

    /// The avoidance entry for a key, if that key once succeeded.
    public func avoidance(forKey key: String) throws -> AvoidanceEntry? {
        try read("read build-avoidance entry") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM avoidance WHERE key = ?", arguments: [key]).map {
                AvoidanceEntry(
                    key: $0["key"], jobID: $0["jobID"], outputs: $0["outputs"],
                    snapshotDigest: try Self.optionalDigest($0, "snapshotDigest"), runID: $0["runID"])
            }
        }
    }

    /// Records a successful job under its avoidance key.
    public func saveAvoidance(_ entry: AvoidanceEntry) throws {
        try write("save build-avoidance entry") { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO avoidance (key, jobID, outputs, snapshotDigest, runID, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [entry.key, entry.jobID, entry.outputs, entry.snapshotDigest, entry.runID, Date()])
        }
    }

    /// Keeps the parts of job `job`'s avoidance key at its latest success in `workspace`.
    public func saveAvoidanceManifest(workspace: String, job: String, key: String, manifest: String, runID: String)
        throws
    {
        try write("save build-avoidance manifest") { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO avoidanceManifests (workspace, job, key, manifest, runID, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [workspace, job, key, manifest, runID, Date()])
        }
    }

    /// The parts of job `job`'s avoidance key at its latest success in `workspace`, by label.
    public func avoidanceManifest(workspace: String, job: String) throws -> (
        key: String, parts: [String: String], runID: String
    )? {
        try read("read build-avoidance manifest") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT key, manifest, runID FROM avoidanceManifests WHERE workspace = ? AND job = ?",
                    arguments: [workspace, job])
            else { return nil }
            let text: String = row["manifest"]
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return (key: row["key"], parts: object.compactMapValues { $0 as? String }, runID: row["runID"])
        }
    }

    /// Marks cache and avoidance entries as used now (one transaction for a whole run's hits).
    public func markUsed(cacheKeys: Set<String>, avoidanceKeys: Set<String>, at date: Date = Date()) throws {
        guard !cacheKeys.isEmpty || !avoidanceKeys.isEmpty else { return }
        try write("record cache use") { db in
            for key in cacheKeys {
                try db.execute(sql: "UPDATE cacheEntries SET lastUsedAt = ? WHERE key = ?", arguments: [date, key])
            }
            for key in avoidanceKeys {
                try db.execute(sql: "UPDATE avoidance SET lastUsedAt = ? WHERE key = ?", arguments: [date, key])
            }
        }
    }

    /// Removes cache and avoidance entries neither saved nor used since `unusedSince`, and job
    /// artifacts stored before `artifactsBefore`; with `dryRun`, only counts them.
    public func expireCache(unusedSince: Date, artifactsBefore: Date, dryRun: Bool) throws -> CacheExpiry {
        try write("expire cache entries") { db in
            let counts = CacheExpiry(
                cacheEntries: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM cacheEntries WHERE COALESCE(lastUsedAt, createdAt) < ?",
                    arguments: [unusedSince]) ?? 0,
                avoidanceEntries: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM avoidance WHERE COALESCE(lastUsedAt, createdAt) < ?",
                    arguments: [unusedSince]) ?? 0,
                jobArtifacts: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM jobArtifacts WHERE createdAt < ?", arguments: [artifactsBefore]) ?? 0
            )
            guard !dryRun else { return counts }
            try db.execute(
                sql: "DELETE FROM cacheEntries WHERE COALESCE(lastUsedAt, createdAt) < ?", arguments: [unusedSince])
            try db.execute(
                sql: "DELETE FROM avoidance WHERE COALESCE(lastUsedAt, createdAt) < ?", arguments: [unusedSince])
            try db.execute(sql: "DELETE FROM avoidanceManifests WHERE createdAt < ?", arguments: [unusedSince])
            try db.execute(sql: "DELETE FROM jobArtifacts WHERE createdAt < ?", arguments: [artifactsBefore])
            return counts
        }
    }

    /// Every snapshot blob something still points at: cache entries, avoidance entries, job artifacts.
    /// With cutoffs (a dry run of `expireCache`), what it would remove does not count.
    public func referencedSnapshots(unusedSince: Date? = nil, artifactsBefore: Date? = nil) throws -> Set<String> {
        try read("read referenced cache snapshots") { db in
            let cutoff = unusedSince ?? .distantPast
            let artifactCutoff = artifactsBefore ?? .distantPast
            var digests = Set(
                try String.fetchAll(
                    db, sql: "SELECT digest FROM cacheEntries WHERE COALESCE(lastUsedAt, createdAt) >= ?",
                    arguments: [cutoff]))
            digests.formUnion(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT snapshotDigest FROM avoidance
                        WHERE snapshotDigest IS NOT NULL AND COALESCE(lastUsedAt, createdAt) >= ?
                        """,
                    arguments: [cutoff]))
            digests.formUnion(
                try String.fetchAll(
                    db, sql: "SELECT digest FROM jobArtifacts WHERE createdAt >= ?", arguments: [artifactCutoff]))
            return digests
        }
    }

    /// Forgets where swept snapshots were made.
    public func forgetSnapshotOrigins(_ digests: [String]) throws {
        guard !digests.isEmpty else { return }
        try write("forget swept snapshots") { db in
            for digest in digests {
                try db.execute(sql: "DELETE FROM snapshotOrigins WHERE digest = ?", arguments: [digest])
            }
        }
    }
}
