import Synchronization

/// Collects a child's output up to `limit` bytes, for short commands (git, tar) and their error messages.
package final class OutputCollector: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    private let limit: Int

    package init(limit: Int) { self.limit = limit }

    package func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.withLock { if $0.count < limit { $0.append(contentsOf: chunk.prefix(limit - $0.count)) } }
    }

    package var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}
