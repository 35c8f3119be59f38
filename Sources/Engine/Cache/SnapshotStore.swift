import Foundation
import GantryCore
import Processes

/// Content-addressed snapshots of workspace paths (job caches and build-avoidance restores),
/// stored as tar archives under `.gantry/cache/blobs/sha256/<hex>`.
///
/// A blob is written to a temporary file, hashed, fsynced and renamed into place, so a crash or a
/// second `gantry run` at the same time never leaves a partial blob under a digest.
struct SnapshotStore: Sendable {
    let root: URL
    let runner: ProcessRunner

    init(stateDirectory: URL, runner: ProcessRunner) {
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
        try await tar(
            [
                "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", workspace.path, "-cf",
                archive.path, "--",
            ] + existing, workspace: workspace)
        let digest = try Digest.sha256(fileAt: archive)
        let pathBound = Self.contains(Array(workspace.standardizedFileURL.path.utf8), in: archive)
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

    /// Extracts a snapshot into the workspace after checking the blob still has its digest.
    func restore(_ digest: Digest, workspace: URL) async throws {
        let blob = blobURL(digest)
        guard FileManager.default.fileExists(atPath: blob.path) else {
            throw InfrastructureError("cache blob \(digest) is missing from \(root.path)")
        }
        guard try Digest.sha256(fileAt: blob) == digest else {
            throw InfrastructureError("cache blob \(digest) is corrupt (its content no longer matches its digest)")
        }
        try await tar(["-C", workspace.path, "-xf", blob.path], workspace: workspace)
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
