import Foundation
import GantryCore

/// Writes bytes to a file through a 1 MiB buffer while computing their SHA-256 and size.
final class HashingFileSink {
    private let fd: Int32
    private var hasher = StreamingHasher()
    private var buffer: [UInt8] = []
    private(set) var size: Int64 = 0
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArtifactError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        size += Int64(bytes.count)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        hasher.update(buffer)
        guard RawFile.writeAll(fd, buffer) else {
            throw ArtifactError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, fsyncs and returns the digest of everything written.
    func finish() throws -> Digest {
        try flush()
        guard fsync(fd) == 0 else { throw ArtifactError.io("cannot sync \(path): \(String(cString: strerror(errno)))") }
        return hasher.finalize()
    }
}
