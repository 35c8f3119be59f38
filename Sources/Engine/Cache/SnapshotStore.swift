import CGantrySystem
public import Foundation
import GantryCore
public import Processes

/// Content-addressed snapshots of workspace paths (job caches and build-avoidance restores),
/// stored as tar archives under `.gantry/cache/blobs/sha256/<hex>`.
///
/// A blob is written to a temporary file, hashed, fsynced and renamed into place, so a crash or a
/// second `gantry run` at the same time never leaves a partial blob under a digest.
public struct SnapshotStore: Sendable {
    let root: URL
    let runner: ProcessRunner

    /// The blobs under `<stateDirectory>/cache`, archived and extracted with tar run by `runner`.
    public init(stateDirectory: URL, runner: ProcessRunner = ProcessRunner()) {
        root = stateDirectory.appendingPathComponent("cache")
        self.runner = runner
    }

    func blobURL(_ digest: Digest) -> URL {
        root.appendingPathComponent("blobs/sha256/\(digest.hex)")
    }

    /// What `save` stored.
    struct Saved {
        var digest: Digest
        var size: Int64
        /// The files name the workspace's absolute path (a venv's scripts and `.pth` files do): restored
        /// into another checkout they would point back at this one.
        var pathBound: Bool
    }

    /// Archives the paths that exist; nil when none does.
    func save(paths: [String], workspace: URL) async throws -> Saved? {
        let existing = paths.filter {
            FileManager.default.fileExists(atPath: workspace.appendingPathComponent($0).path)
        }
        guard !existing.isEmpty else { return nil }
        let temporary = root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        let archive = temporary.appendingPathComponent(UUID().uuidString + ".tar")
        defer { try? FileManager.default.removeItem(at: archive) }
        // The names go through a file, NUL-separated and taken verbatim: thousands of them fit, and one
        // that starts with '-' is a name, not an option.
        let list = temporary.appendingPathComponent(UUID().uuidString + ".list")
        defer { try? FileManager.default.removeItem(at: list) }
        try Data(existing.map { $0 + "\u{0}" }.joined().utf8).write(to: list)
        try await tar(
            [
                "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", workspace.path, "-cf",
                archive.path, "--null", "--verbatim-files-from", "-T", list.path,
            ], workspace: workspace)
        let needle = Array(workspace.standardizedFileURL.path.utf8)
        let (digest, pathBound) = try await BlockingWork.run {
            (try Digest.sha256(fileAt: archive), Self.contains(needle, in: archive))
        }
        let size = (try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? NSNumber)?.int64Value ?? 0
        let handle = try FileHandle(forWritingTo: archive)
        try handle.synchronize()
        try handle.close()
        let destination = blobURL(digest)
        if !FileManager.default.fileExists(atPath: destination.path) {
            if rename(archive.path, destination.path) != 0 && !FileManager.default.fileExists(atPath: destination.path)
            {
                throw InfrastructureError("cannot store cache blob \(destination.path): \(errnoText())")
            }
        }
        return Saved(digest: digest, size: size, pathBound: pathBound)
    }

    /// Whether the file at `url` contains `needle`, read in 1 MiB pieces that overlap by the needle's
    /// length, so an occurrence across two pieces is found.
    static func contains(_ needle: [UInt8], in url: URL) -> Bool {
        guard needle.count > 1, let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        var carry: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            var window = carry
            window.append(contentsOf: chunk)
            let found = window.withUnsafeBytes { haystack in Self.find(needle, in: haystack) }
            if found { return true }
            carry = Array(window.suffix(needle.count - 1))
        }
        return false
    }

    /// Whether `haystack` contains `needle`: memchr for the first byte, then a comparison.
    static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let base = haystack.baseAddress, let first = needle.first, haystack.count >= needle.count else {
            return false
        }
        var offset = 0
        let last = haystack.count - needle.count
        while offset <= last {
            guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle, needle.count) == 0 { return true }
            offset = at + 1
        }
        return false
    }

    /// Puts a snapshot's `paths` in the workspace after checking the blob still has its digest.
    ///
    /// The archive is extracted into a staging directory first; then each path is swapped into place
    /// with one atomic rename (`RENAME_EXCHANGE`), so a job running in the same workspace sees the old
    /// tree or the restored one, never a half-written one; the restored tree replaces the old one
    /// (stale files do not survive) and keeps the modification times it was saved with.
    func restore(_ digest: Digest, paths: [String], workspace: URL) async throws {
        let staging = try await extract(digest, what: "cache", nextTo: workspace)
        defer { try? FileManager.default.removeItem(at: staging) }
        for path in paths {
            let staged = staging.appendingPathComponent(path)
            guard Self.exists(staged.path) else { continue }
            let target = workspace.appendingPathComponent(path)
            try Self.checkInside(target, workspace: workspace, path: path)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            // The old tree ends up in the staging directory, which is removed afterwards.
            let status =
                Self.exists(target.path)
                ? gantry_exchange_paths(staged.path, target.path) : gantry_rename_noreplace(staged.path, target.path)
            guard status == 0 else {
                throw InfrastructureError(
                    "cannot put the restored '\(path)' in place: \(String(cString: strerror(status))) (\(target.path))")
            }
        }
    }

    /// Puts every file of a snapshot in the workspace (job artifacts): extracted into a staging
    /// directory, then each file renamed into place, so a reader sees the old file or the new one.
    /// Files already there that the snapshot does not hold stay. Returns how many files it placed.
    @discardableResult
    func restoreFiles(_ digest: Digest, workspace: URL) async throws -> Int {
        let staging = try await extract(digest, what: "artifact", nextTo: workspace)
        defer { try? FileManager.default.removeItem(at: staging) }
        var placed = 0
        for path in Self.leaves(under: staging) {
            let target = workspace.appendingPathComponent(path)
            try Self.checkInside(target, workspace: workspace, path: path)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard rename(staging.appendingPathComponent(path).path, target.path) == 0 else {
                throw InfrastructureError("cannot put '\(path)' in place: \(errnoText()) (\(target.path))")
            }
            placed += 1
        }
        return placed
    }

    /// Checks that blob `digest` is there and intact, and extracts it into a new staging directory on
    /// `workspace`'s file system (the caller removes it).
    private func extract(_ digest: Digest, what: String, nextTo workspace: URL) async throws -> URL {
        let blob = blobURL(digest)
        guard FileManager.default.fileExists(atPath: blob.path) else {
            throw InfrastructureError("\(what) blob \(digest) is missing from \(root.path)")
        }
        guard try await BlockingWork.run({ try Digest.sha256(fileAt: blob) }) == digest else {
            throw InfrastructureError("\(what) blob \(digest) is corrupt (its content no longer matches its digest)")
        }
        let staging = try stagingDirectory(for: workspace)
        do {
            try await tar(["--no-same-owner", "-C", staging.path, "-xf", blob.path], workspace: workspace)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        return staging
    }

    /// Paths of the files and symbolic links under `root`, relative to it (directories are walked, not listed).
    static func leaves(under root: URL) -> [String] {
        var result: [String] = []
        let base = root.standardizedFileURL.path
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey], options: [])
        else { return [] }
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values?.isDirectory == true && values?.isSymbolicLink != true { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base + "/") else { continue }
            result.append(String(path.dropFirst(base.count + 1)))
        }
        return result.sorted()
    }

    /// An empty directory on the workspace's file system (renames cannot cross file systems): under the
    /// state directory when it shares it (it usually is `<workspace>/.gantry`), else hidden in the workspace.
    private func stagingDirectory(for workspace: URL) throws -> URL {
        let name = "restore-\(UUID().uuidString)"
        let temporary = root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        var preferred = stat()
        var target = stat()
        let candidate =
            stat(temporary.path, &preferred) == 0 && stat(workspace.path, &target) == 0
                && preferred.st_dev == target.st_dev
            ? temporary.appendingPathComponent(name) : workspace.appendingPathComponent(".gantry-\(name)")
        try FileManager.default.createDirectory(at: candidate, withIntermediateDirectories: false)
        return candidate
    }

    /// Whether anything (a symbolic link included) is at `path`.
    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Refuses a target whose parent directories lead out of the workspace through a symbolic link: a
    /// checkout could otherwise make a cache restore write anywhere its owner may write.
    private static func checkInside(_ target: URL, workspace: URL, path: String) throws {
        let root = workspace.resolvingSymlinksInPath().path
        var parent = target.deletingLastPathComponent()
        // Walk up to the nearest existing parent: the directories below it are created as plain directories.
        while !exists(parent.path) && parent.path.count > root.count { parent = parent.deletingLastPathComponent() }
        let resolved = parent.resolvingSymlinksInPath().path
        guard resolved == root || resolved.hasPrefix(root + "/") else {
            throw InputError(
                "cache path '\(path)' is not restored: a symbolic link in the workspace leads it to \(resolved), outside \(root)"
            )
        }
    }

    private func tar(_ arguments: [String], workspace: URL) async throws {
        let errors = OutputCollector(limit: 16 * 1024)
        let outcome = try await runner.run(
            ProcessSpec(
                executable: "tar", arguments: arguments,
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C"],
                workingDirectory: workspace.path),
            timeout: .seconds(3600), cancellation: CancellationFlag()
        ) { stream, bytes in
            if stream == .stderr { errors.append(bytes) }
        }
        guard outcome.succeeded else {
            throw InfrastructureError(
                "tar \(arguments.first ?? "") failed: \(errors.text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
