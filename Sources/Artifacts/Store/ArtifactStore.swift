import Foundation
import GantryCore

/// A packed artifact as the store knows it.
public struct StoredArtifact: Hashable, Sendable {
    public var app: String
    public var digest: Digest
    public var size: Int64
    public var tags: [String]
}

/// What `pack` produced.
public struct PackedArtifact: Sendable {
    public var app: String
    public var digest: Digest
    public var tag: String
    /// The layer (the normalized tar of the directory).
    public var layer: Descriptor
    public var entries: Int

    /// `APP@sha256:…`, the reference to promote.
    public var reference: String { "\(app)@\(digest)" }
}

/// Artifacts in the embedded OCI layout (`.gantry/oci/`): pack a directory, find artifacts by
/// reference, list them, and unpack them safely.
public struct ArtifactStore: Sendable {
    public let layout: OCILayout

    public init(layout: OCILayout) { self.layout = layout }

    /// The store under a state directory (`<state>/oci`).
    /// With `create: false` a missing store is an error instead of being created (read-only commands).
    public init(stateDirectory: URL, create: Bool = true) throws {
        layout = try OCILayout(root: stateDirectory.appendingPathComponent("oci"), create: create)
    }

    /// Packs `directory` as an artifact of `app`, tags it (default `latest`) and records it in `index.json`.
    /// The digest depends only on the directory's content and `SOURCE_DATE_EPOCH`.
    public func pack(_ directory: URL, app: String, tag: String? = nil, packer: DirectoryPacker = DirectoryPacker())
        throws -> PackedArtifact
    {
        try ArtifactReference.validate(app: app)
        let tag = tag ?? "latest"
        try ArtifactReference.validate(tag: tag)
        // What killed packs left behind; an hour old is long past any pack still writing.
        layout.sweepTemporaryFiles(olderThan: 3600)
        let temporary = layout.temporaryURL()
        let sink = try HashingFileSink(path: temporary.path)
        let entries: [TarEntry]
        let layerDigest: Digest
        do {
            entries = try packer.write(directory, to: sink)
            layerDigest = try sink.finish()
            try layout.adopt(temporary, as: layerDigest)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let layer = Descriptor(mediaType: MediaType.tarLayer, digest: layerDigest, size: sink.size)
        let created = Timestamp.rfc3339Seconds(packer.mtime)
        let config = ImageConfig(
            created: created, architecture: "unknown", os: "linux",
            rootfs: .init(diff_ids: [layerDigest]))
        let configBlob = try layout.putBlob(try CanonicalJSON.encode(config))
        let manifest = ImageManifest(
            artifactType: MediaType.gantryArtifact,
            config: Descriptor(mediaType: MediaType.imageConfig, digest: configBlob.digest, size: configBlob.size),
            layers: [layer], annotations: [AnnotationKey.created: created])
        let manifestBlob = try layout.putBlob(try CanonicalJSON.encode(manifest))
        try record(app: app, tag: tag, manifest: manifestBlob.digest, size: manifestBlob.size)
        return PackedArtifact(app: app, digest: manifestBlob.digest, tag: tag, layer: layer, entries: entries.count)
    }

    /// Adds the manifest to `index.json` for `app` and moves `app:tag` to it.
    func record(app: String, tag: String, manifest: Digest, size: Int64) throws {
        let refName = "\(app):\(tag)"
        try layout.updateIndex { index in
            for position in index.manifests.indices
            where index.manifests[position].annotations?[AnnotationKey.refName] == refName {
                index.manifests[position].annotations?[AnnotationKey.refName] = nil
            }
            // One entry per (app, digest) keeps every packed digest reachable after its tag moves on.
            index.manifests.removeAll {
                $0.digest == manifest && $0.annotations?[AnnotationKey.app] == app
                    && $0.annotations?[AnnotationKey.refName] == nil
            }
            index.manifests.append(
                Descriptor(
                    mediaType: MediaType.manifest, digest: manifest, size: size,
                    annotations: [AnnotationKey.app: app, AnnotationKey.refName: refName]))
        }
    }

    /// Every entry of the index (artifacts and attached documents), grouped by app and digest.
    public func list() throws -> [StoredArtifact] {
        var result: [StoredArtifact] = []
        for descriptor in try layout.index().manifests {
            let app = descriptor.annotations?[AnnotationKey.app] ?? "?"
            let tag = descriptor.annotations?[AnnotationKey.refName].map {
                String($0.split(separator: ":", maxSplits: 1).last ?? "")
            }
            if let existing = result.firstIndex(where: { $0.app == app && $0.digest == descriptor.digest }) {
                if let tag { result[existing].tags.append(tag) }
            } else {
                result.append(
                    StoredArtifact(
                        app: app, digest: descriptor.digest, size: descriptor.size, tags: tag.map { [$0] } ?? []))
            }
        }
        return result
    }

    /// Finds the artifact a reference names.
    public func resolve(_ reference: ArtifactReference) throws -> StoredArtifact {
        let all = try artifacts()
        let matches: [StoredArtifact]
        switch reference {
        case .digest(let app, let digest): matches = all.filter { $0.digest == digest && (app == nil || $0.app == app) }
        case .tag(let app, let tag): matches = all.filter { $0.app == app && $0.tags.contains(tag) }
        }
        // The same content packed for several apps is one digest: for a bare digest any of them will do.
        guard let first = matches.first else { throw ArtifactError.notFound(reference.description) }
        return first
    }

    /// The manifest of an artifact, verified against its digest.
    public func manifest(of artifact: StoredArtifact) throws -> ImageManifest {
        let data = try layout.readBlob(artifact.digest)
        do {
            return try JSONDecoder().decode(ImageManifest.self, from: data)
        } catch {
            throw ArtifactError.malformed("manifest \(artifact.digest) is not a valid OCI image manifest: \(error)")
        }
    }

    /// Extracts every layer into `directory` (created if missing) after verifying each blob.
    @discardableResult
    public func unpack(_ artifact: StoredArtifact, into directory: URL) throws -> Int {
        let manifest = try manifest(of: artifact)
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw ArtifactError.badPath(
                "\(directory.path) already exists and is not empty: unpack into a new directory")
        }
        // Extract beside the target and rename at the end: a refused archive leaves nothing behind.
        let parent = directory.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).unpacking-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw ArtifactError.badPath("\(directory.path): cannot be created (\(FileErrorText.describe(error)))")
        }
        var finished = false
        defer { if !finished { try? manager.removeItem(at: staging) } }
        var count = 0
        var extractor = SafeExtractor(destination: staging)
        for layer in manifest.layers {
            guard layer.mediaType == MediaType.tarLayer else {
                throw ArtifactError.malformed(
                    "layer \(layer.digest) has media type \(layer.mediaType); only uncompressed tar layers can be unpacked"
                )
            }
            try layout.verifyBlob(layer.digest)
            count += try extractor.extract(layout.blobURL(layer.digest))
        }
        try extractor.checkAllLinks()
        // rename(2) replaces an empty directory; anything else in the way was refused above.
        if rename(staging.path, directory.path) != 0 {
            throw ArtifactError.io(
                "cannot move the unpacked files to \(directory.path): \(String(cString: strerror(errno)))")
        }
        finished = true
        return count
    }

    /// The entries of an artifact's layers, for `inspect`.
    public func entries(of artifact: StoredArtifact) throws -> [TarEntry] {
        var entries: [TarEntry] = []
        for layer in try manifest(of: artifact).layers where layer.mediaType == MediaType.tarLayer {
            try layout.verifyBlob(layer.digest)
            var reader = try TarReader(url: layout.blobURL(layer.digest))
            defer { reader.close() }
            while let header = try reader.next() {
                let kind: TarEntry.Kind =
                    switch header.typeflag {
                    case UInt8(ascii: "5"): .directory
                    case UInt8(ascii: "2"): .symlink(target: header.linkName)
                    default: .file(size: header.size)
                    }
                var path = header.path
                while path.hasSuffix("/") { path.removeLast() }
                entries.append(TarEntry(path: path, kind: kind, mode: header.mode))
                try reader.skipData(size: header.size)
            }
        }
        return entries
    }
}
