import Foundation
import StateModel
import Synchronization

/// Recently looked-up tokens, so that a busy client does not cost a database read (and a write to
/// note its use) on every request. An entry lives `lifetime` seconds: a token revoked by another
/// process (`gantry tokens revoke`) stops working within that time, one revoked through this
/// server's API at once (`forget`).
final class TokenCache: Sendable {
    private struct Entry {
        var record: APITokenRecord
        var fetchedAt: Date
    }

    let lifetime: TimeInterval
    /// Bounds memory whatever clients send: unknown tokens are never cached, and past this many
    /// entries the cache starts over.
    let capacity = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    init(lifetime: TimeInterval = 5) { self.lifetime = lifetime }

    /// The cached record for `hash` if fetched within the lifetime.
    func record(hash: String, now: Date) -> APITokenRecord? {
        entries.withLock { entries in
            guard let entry = entries[hash], now.timeIntervalSince(entry.fetchedAt) < lifetime else { return nil }
            return entry.record
        }
    }

    func store(_ record: APITokenRecord, now: Date) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[record.hash] = Entry(record: record, fetchedAt: now)
        }
    }

    /// Notes a use of a cached token without extending its entry's life (a revocation by another
    /// process must still be seen within `lifetime`, however busy the token is).
    func noteUse(hash: String, at date: Date) {
        entries.withLock { entries in entries[hash]?.record.lastUsedAt = date }
    }

    /// Drops a token (revoked through the API).
    func forget(id: String) {
        entries.withLock { entries in entries = entries.filter { $0.value.record.id != id } }
    }
}
