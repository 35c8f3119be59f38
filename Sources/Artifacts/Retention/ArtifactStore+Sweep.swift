public import Foundation
public import GantryCore

/// A blob that a sweep removed (or would remove).
public struct SweptBlob: Sendable, Hashable {
    public var digest: Digest
    public var size: Int64
}

extension ArtifactStore {
    /// Removes `app`'s index entries for `digest` (every tag) and the documents attached to it.
    /// Blobs stay until `sweep` finds them unreachable.
    public func remove(app: String, digest: Digest) throws {
        try layout.updateIndex { index in
            index.manifests.removeAll {
                let annotations = $0.annotations ?? [:]
                guard annotations[AnnotationKey.app] == app else { return false }
                return $0.digest == digest || annotations[AnnotationKey.subject] == digest.description
            }
        }
    }

    /// Every blob reachable from `index.json`: each manifest, its config and its layers. Entries that
    /// `remove(app:digest:)` would drop for the pairs in `without` are left out (for a dry run).
    public func reachableBlobs(without: [(app: String, digest: Digest)] = []) throws -> Set<Digest> {
        var reachable = Set<Digest>()
        for descriptor in try layout.index().manifests {
            let annotations = descriptor.annotations ?? [:]
            let dropped = without.contains { removal in
                annotations[AnnotationKey.app] == removal.app
                    && (descriptor.digest == removal.digest
                        || annotations[AnnotationKey.subject] == removal.digest.description)
            }
            if dropped { continue }
            reachable.insert(descriptor.digest)
            guard let data = FileManager.default.contents(atPath: layout.blobURL(descriptor.digest).path),
                let manifest = try? JSONDecoder().decode(ImageManifest.self, from: data)
            else { continue }
            reachable.insert(manifest.config.digest)
            for layer in manifest.layers { reachable.insert(layer.digest) }
        }
        return reachable
    }

    /// Deletes blobs outside `reachable` (default: what the index reaches now). Blobs younger than
    /// `grace` are left alone: a `pack` running at the same time writes its blobs before it adds them to
    /// the index. With `dryRun` nothing is deleted.
    public func sweep(
        reachable: Set<Digest>? = nil, grace: TimeInterval = 600, now: Date = Date(), dryRun: Bool = false
    ) throws -> [SweptBlob] {
        let reachable = try reachable ?? reachableBlobs()
        let directory = layout.root.appendingPathComponent("blobs/sha256")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var swept: [SweptBlob] = []
        for name in names.sorted() {
            guard let digest = Digest(parsing: "sha256:" + name), !reachable.contains(digest) else { continue }
            let url = directory.appendingPathComponent(name)
            var info = stat()
            guard lstat(url.path, &info) == 0 else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            guard modified < now.timeIntervalSince1970 - grace else { continue }
            if !dryRun {
                guard unlink(url.path) == 0 || errno == ENOENT else {
                    throw ArtifactError.io("cannot remove \(url.path): \(String(cString: strerror(errno)))")
                }
            }
            swept.append(SweptBlob(digest: digest, size: Int64(info.st_size)))
        }
        return swept
    }
}
