import Foundation

/// Counts over the state for `/metrics`, each computed by the store (never by fetching the rows).
public struct StateCounts: Sendable, Hashable {
    /// Runs waiting in the queue, and the oldest one's time.
    public var queued: Int
    public var oldestQueuedAt: Date?
    /// Queue entries being executed.
    public var started: Int
    /// Notifications waiting, and those whose every attempt failed.
    public var outboxPending: Int
    public var outboxDead: Int
    /// The newest 1,000 runs by status.
    public var recentRuns: [String: Int]
    /// Promotions and rollbacks recorded, by kind, environment and status.
    public var promotions: [PromotionCount]

    public struct PromotionCount: Sendable, Hashable {
        public var kind: String
        public var environment: String
        public var status: String
        public var count: Int

        public init(kind: String, environment: String, status: String, count: Int) {
            self.kind = kind
            self.environment = environment
            self.status = status
            self.count = count
        }
    }

    public init(
        queued: Int = 0, oldestQueuedAt: Date? = nil, started: Int = 0, outboxPending: Int = 0, outboxDead: Int = 0,
        recentRuns: [String: Int] = [:], promotions: [PromotionCount] = []
    ) {
        self.queued = queued
        self.oldestQueuedAt = oldestQueuedAt
        self.started = started
        self.outboxPending = outboxPending
        self.outboxDead = outboxDead
        self.recentRuns = recentRuns
        self.promotions = promotions
    }
}
