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
        migrator.registerMigration("v4-release") { db in
            try db.create(table: "promotions") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("tag", .text)
                t.column("commitSHA", .text)
                t.column("status", .text).notNull()
                t.column("requestedBy", .text).notNull()
                t.column("requestedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("previousDigest", .text)
                t.column("reason", .text)
                t.column("irreversible", .text)
                t.column("approvalsRequired", .integer).notNull()
                t.column("detail", .text).notNull()
                t.column("pid", .integer)
                t.column("host", .text)
            }
            try db.create(
                index: "promotionsByTarget", on: "promotions", columns: ["app", "environment", "requestedAt"])
            // The app × environment lock: at most one open promotion, enforced by SQLite across processes.
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX openPromotion ON promotions(app, environment)
                    WHERE status IN ('awaiting_approval', 'deploying', 'verifying', 'rolling_back')
                    """)
            try db.create(table: "environmentPointers") { t in
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("tag", .text)
                t.column("commitSHA", .text)
                t.column("promotionID", .text).notNull()
                t.column("deployedAt", .datetime).notNull()
                t.column("deployedBy", .text).notNull()
                t.column("lastKnownGood", .text)
                t.column("lastKnownGoodAt", .datetime)
                t.primaryKey(["app", "environment"])
            }
            try db.create(table: "approvals") { t in
                t.column("promotionID", .text).notNull().references("promotions", onDelete: .cascade)
                t.column("approver", .text).notNull()
                t.column("role", .text).notNull()
                t.column("approvedAt", .datetime).notNull()
                t.column("totp", .boolean).notNull()
                t.primaryKey(["promotionID", "approver"])
            }
            try db.create(table: "rejections") { t in
                t.column("app", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("rejectedBy", .text).notNull()
                t.column("rejectedAt", .datetime).notNull()
                t.primaryKey(["app", "digest"])
            }
            // Layer blobs whose content was hashed and matched their digest, with the file's stamp then.
            try db.create(table: "verifiedBlobs") { t in
                t.primaryKey("digest", .text)
                t.column("size", .integer).notNull()
                t.column("mtimeNs", .integer).notNull()
                t.column("ctimeNs", .integer).notNull()
                t.column("inode", .integer).notNull()
            }
            try db.create(table: "users") { t in
                t.primaryKey("name", .text)
                t.column("role", .text).notNull()
                t.column("totpSecret", .text)
                t.column("totpLastStep", .integer)
                t.column("totpFailures", .integer).notNull().defaults(to: 0)
                t.column("totpLockedUntil", .datetime)
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v5-registry-pushes") { db in
            // Where each artifact was pushed, so a push to another repository of the same registry can
            // mount its blobs instead of uploading them again.
            try db.create(table: "registryPushes") { t in
                t.column("registry", .text).notNull()
                t.column("repository", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("pushedAt", .datetime).notNull()
                t.primaryKey(["registry", "repository", "digest"])
            }
        }
        migrator.registerMigration("v6-vulndb") { db in
            // OSV records as imported (JSON), indexed by the packages they name.
            try db.create(table: "osvRecords") { t in
                t.primaryKey("id", .text)
                t.column("ecosystem", .text).notNull()
                t.column("modified", .text).notNull()
                t.column("json", .blob).notNull()
            }
            try db.create(table: "osvPackages") { t in
                t.column("ecosystem", .text).notNull()
                t.column("name", .text).notNull()
                t.column("id", .text).notNull().references("osvRecords", onDelete: .cascade)
                t.primaryKey(["ecosystem", "name", "id"])
            }
            try db.create(index: "osvPackagesByID", on: "osvPackages", columns: ["id"])
        }
        migrator.registerMigration("v7-process-owners") { db in
            // The process driving a run, so a later command can close runs whose process died (kill -9).
            try db.alter(table: "runs") { t in
                t.add(column: "ownerHost", .text)
                t.add(column: "ownerPid", .integer)
                t.add(column: "ownerStart", .integer)
            }
            // The deploy's owner mark (GANTRY_OWNER) and its process start time, so closing an abandoned
            // promotion stops what its deploy left running before anything else deploys there.
            try db.alter(table: "promotions") { t in
                t.add(column: "ownerMark", .text)
                t.add(column: "ownerStart", .integer)
            }
        }
        migrator.registerMigration("v8-audit-keyed") { db in
            // 1: SHA-256 chain (rows written before keys); 2: HMAC-SHA-256 with keys/audit.key.
            try db.alter(table: "audit") { t in t.add(column: "scheme", .integer).notNull().defaults(to: 1) }
        }
        migrator.registerMigration("v9-run-tree") { db in
            // The working tree's uncommitted changes when a run started (JSON list; NULL = unknown).
            try db.alter(table: "runs") { t in t.add(column: "treeChanges", .text) }
        }
        migrator.registerMigration("v10-snapshot-origins") { db in
            // Where a cache snapshot was saved and whether its files name that workspace's path (a
            // venv's shebangs and .pth files): such a snapshot is not restored into another workspace.
            try db.create(table: "snapshotOrigins") { t in
                t.primaryKey("digest", .text)
                t.column("workspace", .text).notNull()
                t.column("pathBound", .boolean).notNull()
            }
        }
        migrator.registerMigration("v11-avoidance-manifests") { db in
            // The parts of a job's avoidance key at its last success in a workspace, so a later run or
            // `gantry plan` can say which input changed.
            try db.create(table: "avoidanceManifests") { t in
                t.column("workspace", .text).notNull()
                t.column("job", .text).notNull()
                t.column("key", .text).notNull()
                t.column("manifest", .text).notNull()
                t.column("runID", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["workspace", "job"])
            }
        }
        migrator.registerMigration("v12-job-artifacts") { db in
            // Files a job handed on (`artifacts:`): a tar blob in the cache store, by run and name.
            try db.create(table: "jobArtifacts") { t in
                t.column("runID", .text).notNull()
                t.column("name", .text).notNull()
                t.column("job", .text).notNull()
                t.column("jobID", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("files", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["runID", "name"])
            }
        }
        migrator.registerMigration("v13-promotion-leases") { db in
            // Liveness any host can judge: a lease the driving process renews, and a fencing token.
            try db.alter(table: "promotions") { t in
                t.add(column: "leaseExpiresAt", .datetime)
                t.add(column: "fencingToken", .integer)
            }
        }
        migrator.registerMigration("v14-cache-use") { db in
            // When a cache entry or an avoidance entry last saved work: `gantry gc` expires the unused.
            try db.alter(table: "cacheEntries") { t in t.add(column: "lastUsedAt", .datetime) }
            try db.alter(table: "avoidance") { t in t.add(column: "lastUsedAt", .datetime) }
        }
        migrator.registerMigration("v15-server") { db in
            // `gantry serve`: the project a run was for, API tokens (hashes only), the run queue and the
            // webhook deliveries seen (a replayed delivery starts nothing).
            try db.alter(table: "runs") { t in t.add(column: "project", .text) }
            try db.create(index: "runsByStart", on: "runs", columns: ["startedAt", "id"])
            try db.create(table: "apiTokens") { t in
                t.primaryKey("id", .text)
                t.column("user", .text).notNull()
                t.column("role", .text).notNull()
                t.column("hash", .text).notNull().unique()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime)
                t.column("revokedAt", .datetime)
                t.column("lastUsedAt", .datetime)
            }
            try db.create(table: "runQueue") { t in
                t.primaryKey("id", .text)
                t.column("project", .text).notNull()
                t.column("commitSHA", .text).notNull()
                t.column("ref", .text)
                t.column("event", .text).notNull()
                t.column("source", .text).notNull()
                t.column("changedFiles", .text)
                t.column("status", .text).notNull()
                t.column("queuedAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("runID", .text)
                t.column("detail", .text)
                t.column("requestedBy", .text).notNull()
            }
            try db.create(index: "runQueueByStatus", on: "runQueue", columns: ["status", "queuedAt"])
            try db.create(table: "webhookDeliveries") { t in
                t.column("source", .text).notNull()
                t.column("deliveryID", .text).notNull()
                t.column("project", .text).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("queueID", .text)
                t.primaryKey(["source", "deliveryID"])
            }
        }
        migrator.registerMigration("v16-alert-actions") { db in
            // An Alertmanager alert (by fingerprint) rolls a digest back once, however often it repeats.
            try db.create(table: "alertActions") { t in
                t.column("fingerprint", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("at", .datetime).notNull()
                t.primaryKey(["fingerprint", "digest"])
            }
        }
        migrator.registerMigration("v17-queue-diff-base") { db in
            // Path filters of a run whose event listed no files diff against this commit.
            try db.alter(table: "runQueue") { t in t.add(column: "baseSHA", .text) }
        }
        migrator.registerMigration("v18-outbox") { db in
            // Notifications, written in the transaction of the change they report (transactional outbox).
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("sequence")
                t.column("id", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("fields", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("lastError", .text)
            }
            try db.create(index: "outboxDue", on: "outbox", columns: ["state", "nextAttemptAt"])
        }
        migrator.registerMigration("v19-run-graph") { db in
            // The run's planned jobs and what each needs (JSON), for drawing its DAG before jobs end.
            try db.alter(table: "runs") { t in t.add(column: "graph", .text) }
        }
        migrator.registerMigration("v20-release-instances") { db in
            // Releases run as processes behind `gantry proxy`: desired role and weight (written by
            // promotions), observed state (written by the proxy's host).
            try db.create(table: "releaseInstances") { t in
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("digest", .text).notNull()
                t.column("role", .text).notNull()
                t.column("weight", .integer).notNull()
                t.column("desiredAt", .datetime).notNull()
                // Bumped by every change of role or weight: the host reports which one it applied.
                t.column("generation", .integer).notNull().defaults(to: 0)
                t.column("state", .text).notNull()
                t.column("port", .integer)
                t.column("detail", .text).notNull().defaults(to: "")
                t.column("applied", .boolean).notNull().defaults(to: false)
                t.column("observedAt", .datetime)
                t.primaryKey(["app", "environment", "digest"])
            }
            try db.create(table: "environmentHosts") { t in
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("host", .text).notNull()
                t.column("listen", .text).notNull()
                t.column("heartbeatAt", .datetime).notNull()
                t.primaryKey(["app", "environment"])
            }
        }
        migrator.registerMigration("v21-rollouts") { db in
            // The proxy's counters per release (the latest, cumulative), what `gantry rollout` asks of
            // a rollout in progress, and each analysis a rollout ran, with its numbers.
            try db.alter(table: "releaseInstances") { t in
                t.add(column: "traffic", .text)
                t.add(column: "trafficAt", .datetime)
            }
            try db.create(table: "rolloutSignals") { t in
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("signal", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("at", .datetime).notNull()
                t.primaryKey(["app", "environment"])
            }
            try db.create(table: "rolloutAnalyses") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("promotionID", .text).notNull().indexed()
                t.column("step", .integer).notNull()
                t.column("at", .datetime).notNull()
                t.column("passed", .boolean).notNull()
                t.column("detail", .text).notNull()
                t.column("canary", .text).notNull()
                t.column("stable", .text).notNull()
            }
        }
        migrator.registerMigration("v22-rollout-progress") { db in
            // The step a rollout is at and whether it was paused, for `gantry rollout status`.
            try db.create(table: "rolloutProgress") { t in
                t.column("app", .text).notNull()
                t.column("environment", .text).notNull()
                t.column("promotionID", .text).notNull()
                t.column("step", .integer).notNull()
                t.column("steps", .integer).notNull()
                t.column("phase", .text).notNull()
                t.column("pausedBy", .text)
                t.column("at", .datetime).notNull()
                t.primaryKey(["app", "environment"])
            }
        }
        return migrator
    }
}
