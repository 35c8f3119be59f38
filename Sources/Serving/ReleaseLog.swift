import Foundation
import Synchronization

/// A release's log file, bounded: past `limit` bytes it moves to `<name>.1` (replacing the previous
/// one) and starts again, so a release that runs for months never fills the disk.
final class ReleaseLog: Sendable {
    /// 10 MiB per file, two files.
    static let defaultLimit = 10 << 20

    private let url: URL
    private let limit: Int
    private let state: Mutex<(handle: FileHandle?, written: Int)>

    init(url: URL, limit: Int = ReleaseLog.defaultLimit) {
        self.url = url
        self.limit = limit
        state = Mutex((Self.open(url), 0))
    }

    /// Appends `data`, rotating first when it would pass the limit.
    func write(_ data: Data) {
        state.withLock { state in
            if state.written > 0 && state.written + data.count > limit {
                try? state.handle?.close()
                let previous = url.appendingPathExtension("1")
                try? FileManager.default.removeItem(at: previous)
                try? FileManager.default.moveItem(at: url, to: previous)
                state = (Self.open(url), 0)
            }
            state.handle?.write(data)
            state.written += data.count
        }
    }

    func close() {
        state.withLock { state in
            try? state.handle?.close()
            state.handle = nil
        }
    }

    /// A new, empty file.
    private static func open(_ url: URL) -> FileHandle? {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try? FileHandle(forWritingTo: url)
    }
}
