import Foundation
import GantryCore
import StateModel
import Synchronization

/// SHA-256 digests of input files for build avoidance, reused across runs while a file's size,
/// modification time and inode are unchanged.
///
/// A file modified within `racyWindow` of the run's start is always read (and not remembered): its
/// timestamp cannot yet prove that a later change in the same tick would be seen, the "racy git" case.
/// The remembered digests are read once, by `prepare()`, before the first avoidance key needs them.
final class FileDigestCache: Sendable {
    private struct State {
        var known: [String: (FileStamp, String)]?
        var fresh: [(path: String, stamp: FileStamp, digest: String)] = []
    }

    private let store: any StateRepositories
    private let state = Mutex(State())
    private let runStart: Date
    static let racyWindow: TimeInterval = 2

    init(store: any StateRepositories, runStart: Date = Date()) {
        self.store = store
        self.runStart = runStart
    }

    /// Reads the remembered digests (once): call before `digest(of:)`, which otherwise hashes every file.
    func prepare() async throws {
        guard state.withLock({ $0.known == nil }) else { return }
        let known = try await store.fileDigests()
        state.withLock { state in
            if state.known == nil { state.known = known }
        }
    }

    /// The file's digest (hex), from the cache when its stamp matches.
    func digest(of url: URL) throws -> String {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return try Digest.sha256(fileAt: url).hex }
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let stamp = FileStamp(size: Int64(info.st_size), mtimeNanoseconds: mtime, inode: Int64(info.st_ino))
        let path = url.standardizedFileURL.path
        let known = state.withLock { $0.known?[path] }
        if let known, known.0 == stamp { return known.1 }
        let digest = try Digest.sha256(fileAt: url).hex
        let settled = Double(mtime) / 1_000_000_000 < runStart.timeIntervalSince1970 - Self.racyWindow
        if settled {
            state.withLock { state in
                state.fresh.append((path, stamp, digest))
                state.known?[path] = (stamp, digest)
            }
        }
        return digest
    }

    /// Stores the digests computed during this run.
    func save() async throws {
        let fresh = state.withLock { state -> [(path: String, stamp: FileStamp, digest: String)] in
            defer { state.fresh.removeAll() }
            return state.fresh
        }
        try await store.saveFileDigests(fresh)
    }
}
