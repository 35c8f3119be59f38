import Foundation
import GantryCore

/// An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/…`), as `skopeo`, `umoci`
/// and other OCI tools read it.
///
/// Blobs are written to a temporary file, fsynced, checked against their digest and renamed into
/// place, so a crash never leaves a partial blob under a digest. `index.json` is rewritten the same
/// way under an exclusive `flock`, so several gantry processes can add to one layout at once.
public final class OCILayout: Sendable {
    public let root: URL

    /// Opens the layout at `root`, creating it when missing (or, with `create: false`, refusing with
    /// `ArtifactError.badPath` so read-only commands never create a store).
    public init(root: URL, create: Bool = true) throws {
        self.root = root
        let manager = FileManager.default
        guard create || manager.fileExists(atPath: root.appendingPathComponent("oci-layout").path) else {
            throw ArtifactError.badPath(
                "no artifact store at \(root.path) (nothing was packed here): run the command in the project "
                    + "directory, or set GANTRY_HOME to the state directory")
        }
        do {
            try PrivateState.prepareDirectory(root.deletingLastPathComponent())
            try manager.createDirectory(
                at: root.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
            try manager.createDirectory(at: root.appendingPathComponent(".tmp"), withIntermediateDirectories: true)
        } catch {
            throw ArtifactError.io("cannot create the artifact store \(root.path): \(FileErrorText.describe(error))")
        }
        let layoutFile = root.appendingPathComponent("oci-layout")
        // Only a new layout gets an empty index: an existing layout whose index.json went missing
        // must not silently start over (gc would then take every blob for garbage).
        let isNew = !manager.fileExists(atPath: layoutFile.path)
        if isNew {
            try writeAtomically(Data("{\"imageLayoutVersion\":\"1.0.0\"}".utf8), to: layoutFile)
        }
        let indexFile = root.appendingPathComponent("index.json")
        if isNew && !manager.fileExists(atPath: indexFile.path) {
            try withIndexLock {
                if !manager.fileExists(atPath: indexFile.path) {
                    try writeAtomically(try CanonicalJSON.encode(ImageIndex(manifests: [])), to: indexFile)
                }
            }
        }
    }

    /// Removes temporary files older than `age` from `.tmp/`: what killed packs and pulls left behind
    /// (a running one keeps writing its file, so its age stays small). Returns the bytes freed.
    @discardableResult
    public func sweepTemporaryFiles(olderThan age: TimeInterval, now: Date = Date()) -> Int64 {
        let directory = root.appendingPathComponent(".tmp")
        var freed: Int64 = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let path = directory.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                Double(info.st_mtim.tv_sec) < now.timeIntervalSince1970 - age, unlink(path) == 0
            else { continue }
            freed += Int64(info.st_size)
        }
        return freed
    }

    /// Where a blob lives.
    public func blobURL(_ digest: Digest) -> URL { root.appendingPathComponent("blobs/sha256/\(digest.hex)") }

    public func hasBlob(_ digest: Digest) -> Bool { FileManager.default.fileExists(atPath: blobURL(digest).path) }

    /// A path for a temporary file on the layout's filesystem (so that `rename` is atomic).
    func temporaryURL() -> URL { root.appendingPathComponent(".tmp/\(UUID().uuidString)") }

    /// Stores bytes as a blob; returns its digest and size.
    @discardableResult
    public func putBlob(_ data: Data) throws -> (digest: Digest, size: Int64) {
        let digest = Digest.sha256(data)
        if !hasBlob(digest) {
            let temporary = temporaryURL()
            try writeAtomically(data, to: temporary, rename: false)
            try adopt(temporary, as: digest)
        }
        return (digest, Int64(data.count))
    }

    /// Moves a finished, fsynced temporary file into the blob store after checking its digest (unless
    /// the caller hashed it while writing: `alreadyVerified`).
    func adopt(_ temporary: URL, as digest: Digest, alreadyVerified: Bool = false) throws {
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard try alreadyVerified || Digest.sha256(fileAt: temporary) == digest else {
            throw ArtifactError.corrupt("blob written to \(temporary.path) does not match \(digest)")
        }
        if hasBlob(digest) { return }
        guard rename(temporary.path, blobURL(digest).path) == 0 else {
            throw ArtifactError.io("cannot store blob \(digest): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a blob and checks that it still has its digest.
    public func readBlob(_ digest: Digest) throws -> Data {
        let url = blobURL(digest)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw missing(digest) }
        guard Digest.sha256(data) == digest else {
            throw ArtifactError.corrupt(
                "blob \(digest) is corrupt: its content no longer matches its digest (\(url.path))")
        }
        return data
    }

    /// A blob the index or a manifest names is not on disk: the store is damaged (exit 3), which is not
    /// the same as asking for an artifact that does not exist (exit 2).
    private func missing(_ digest: Digest) -> ArtifactError {
        .corrupt(
            "blob \(digest) is missing from the artifact store (\(blobURL(digest).path)): the store is incomplete; "
                + "pull the artifact again or restore the store from a backup")
    }

    /// Checks a (possibly large) blob's content against its digest, streaming it.
    public func verifyBlob(_ digest: Digest) throws {
        let url = blobURL(digest)
        guard hasBlob(digest) else { throw missing(digest) }
        guard try Digest.sha256(fileAt: url) == digest else {
            throw ArtifactError.corrupt(
                "blob \(digest) is corrupt: its content no longer matches its digest (\(url.path))")
        }
    }

    /// The current `index.json`.
    public func index() throws -> ImageIndex {
        let url = root.appendingPathComponent("index.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ArtifactError.io(
                "cannot read \(url.path) (\(FileManager.default.fileExists(atPath: url.path) ? "unreadable" : "missing")): "
                    + "the artifact store's index is gone; restore it from a backup before packing or collecting garbage"
            )
        }
        do {
            return try JSONDecoder().decode(ImageIndex.self, from: data)
        } catch {
            throw ArtifactError.malformed("\(url.path) is not a valid OCI index: \(error)")
        }
    }

    /// Reads, changes and atomically rewrites `index.json` while holding the layout's lock.
    public func updateIndex(_ change: (inout ImageIndex) throws -> Void) throws {
        try withIndexLock {
            var index = try self.index()
            try change(&index)
            try writeAtomically(try CanonicalJSON.encode(index), to: root.appendingPathComponent("index.json"))
        }
    }

    private func withIndexLock<T>(_ body: () throws -> T) throws -> T {
        try FileLock.withExclusiveLock(root.appendingPathComponent(".index.lock").path, body)
    }

    /// Writes `data` to a temporary file, fsyncs it and (unless `rename` is false) renames it over `url`.
    private func writeAtomically(_ data: Data, to url: URL, rename shouldRename: Bool = true) throws {
        let temporary = shouldRename ? temporaryURL() : url
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ArtifactError.io("cannot write \(temporary.path): \(String(cString: strerror(errno)))")
        }
        let ok = RawFile.writeAll(fd, data) && fsync(fd) == 0
        close(fd)
        guard ok else { throw ArtifactError.io("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        if shouldRename {
            guard rename(temporary.path, url.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw ArtifactError.io("cannot replace \(url.path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
