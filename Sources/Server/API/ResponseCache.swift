import NIOCore
import Synchronization

/// Bodies of GET responses built from the state, kept with the state's change stamp: while the stamp
/// is the same nothing changed, so the same bytes are the right answer. A list asked again and again
/// (a dashboard, a CLI polling) costs a stamp read instead of a query and an encoding.
final class ResponseCache: Sendable {
    private struct Entry {
        var stamp: Int64
        var body: ByteBuffer
    }

    /// Entries kept at most (each key is a route and its query); past it the cache starts over.
    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int = 512) { self.capacity = capacity }

    /// The body stored for `key` at `stamp`, if any (shared, not copied: a ByteBuffer is copy-on-write).
    func body(for key: String, stamp: Int64) -> ByteBuffer? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.stamp == stamp else { return nil }
            return entry.body
        }
    }

    func store(_ body: ByteBuffer, for key: String, stamp: Int64) {
        entries.withLock { entries in
            if entries.count >= capacity && entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(stamp: stamp, body: body)
        }
    }
}
