public import Foundation

/// Something a team is told about (a run's end, a promotion's, an approval request, a rollback),
/// written to the outbox in the same transaction as the change it reports, then delivered by the
/// server's notifier at least once (receivers deduplicate on `id`).
public struct OutboxEvent: Sendable, Hashable, Codable {
    /// Where an event is in its delivery.
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, delivered
        /// Every attempt failed: kept for people to look at (and retry).
        case dead
    }

    /// Position in the outbox (delivery order).
    public var sequence: Int64
    /// A UUID, the same on every attempt: receivers use it to drop duplicates.
    public var id: String
    /// `run.finished`, `approval.requested`, `promotion.succeeded`, `promotion.failed`,
    /// `promotion.rolled_back`, `rollback.succeeded`.
    public var type: String
    /// What it is about: a run id or `APP@sha256:…`.
    public var subject: String
    /// Details as string pairs (free of secrets).
    public var fields: [String: String]
    public var createdAt: Date
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?

    public init(
        sequence: Int64, id: String, type: String, subject: String, fields: [String: String], createdAt: Date,
        state: State, attempts: Int, nextAttemptAt: Date, lastError: String?
    ) {
        self.sequence = sequence
        self.id = id
        self.type = type
        self.subject = subject
        self.fields = fields
        self.createdAt = createdAt
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}
