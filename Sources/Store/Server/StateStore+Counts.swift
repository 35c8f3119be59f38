import Foundation
import GRDB

extension StateStore {
    /// The counts `/metrics` reports, each an aggregate query in one read transaction.
    public func stateCounts() throws -> StateCounts {
        try read("count the state") { db in
            var counts = StateCounts()
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT status, COUNT(*), MIN(queuedAt) FROM runQueue WHERE status IN ('queued', 'started')
                    GROUP BY status
                    """)
            {
                let status: String = row[0]
                if status == "queued" {
                    counts.queued = row[1]
                    counts.oldestQueuedAt = row[2]
                } else {
                    counts.started = row[1]
                }
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'dead') GROUP BY state")
            {
                if (row[0] as String) == "pending" { counts.outboxPending = row[1] } else { counts.outboxDead = row[1] }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT status, COUNT(*) FROM (SELECT status FROM runs ORDER BY startedAt DESC LIMIT 1000)
                    GROUP BY status
                    """)
            {
                counts.recentRuns[row[0]] = row[1]
            }
            counts.promotions = try Row.fetchAll(
                db,
                sql: "SELECT kind, environment, status, COUNT(*) FROM promotions GROUP BY kind, environment, status"
            ).map { StateCounts.PromotionCount(kind: $0[0], environment: $0[1], status: $0[2], count: $0[3]) }
            return counts
        }
    }
}
