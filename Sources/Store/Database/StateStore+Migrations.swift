import GRDB

extension StateStore {
    /// Schema history. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs") { db in
            try db.create(table: "runs") { t in
                t.primaryKey("id", .text)
                t.column("correlation", .text).notNull()
                t.column("pipelineName", .text).notNull()
                t.column("pipelineFile", .text).notNull()
                t.column("pipelineDigest", .text).notNull()
                t.column("status", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("durationMs", .integer)
                t.column("commitSHA", .text)
                t.column("branch", .text)
                t.column("toolVersions", .text).notNull().defaults(to: "{}")
            }
            try db.create(table: "jobs") { t in
                t.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("jobID", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("durationMs", .integer).notNull()
                t.column("cache", .text)
                t.column("reason", .text)
                t.column("outputs", .text).notNull().defaults(to: "{}")
                t.primaryKey(["runID", "name"])
            }
            try db.create(table: "attempts") { t in
                t.column("runID", .text).notNull()
                t.column("jobName", .text).notNull()
                t.column("number", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("durationMs", .integer).notNull()
                t.primaryKey(["runID", "jobName", "number"])
                t.foreignKey(["runID", "jobName"], references: "jobs", onDelete: .cascade)
            }
            try db.create(table: "steps") { t in
                t.column("runID", .text).notNull()
                t.column("jobName", .text).notNull()
                t.column("attempt", .integer).notNull()
                t.column("idx", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("status", .text).notNull()
                t.column("exitCode", .integer)
                t.column("signal", .integer)
                t.column("durationMs", .integer).notNull()
                t.primaryKey(["runID", "jobName", "attempt", "idx"])
                t.foreignKey(["runID", "jobName", "attempt"], references: "attempts", onDelete: .cascade)
            }
        }
        migrator.registerMigration("v1-cache") { db in
            try db.create(table: "cacheEntries") { t in
                t.primaryKey("key", .text)
                t.column("digest", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "avoidance") { t in
                t.primaryKey("key", .text)
                t.column("jobID", .text).notNull()
                t.column("outputs", .text).notNull()
                t.column("snapshotDigest", .text)
                t.column("runID", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2-audit") { db in
            try db.create(table: "audit") { t in
                t.primaryKey("sequence", .integer)
                t.column("timestampMs", .integer).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("details", .text).notNull()
                t.column("previousHash", .text).notNull()
                t.column("hash", .text).notNull().unique()
            }
            try db.create(index: "auditBySubject", on: "audit", columns: ["subject"])
        }
        migrator.registerMigration("v3-file-digests") { db in
            try db.create(table: "fileDigests") { t in
                t.primaryKey("path", .text)
                t.column("size", .integer).notNull()
                t.column("mtimeNs", .integer).notNull()
                t.column("inode", .integer).notNull()
                t.column("digest", .text).notNull()
            }
        }
        return migrator
    }
}
