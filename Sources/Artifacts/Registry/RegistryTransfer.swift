import Foundation
public import GantryCore

/// Moves artifacts, with their attached attestations, between the local store and a registry.
public struct RegistryTransfer: Sendable {
    public let store: ArtifactStore
    public let client: RegistryClient

    public init(store: ArtifactStore, client: RegistryClient) {
        self.store = store
        self.client = client
    }

    /// What a push did.
    public struct PushReport: Sendable {
        /// Where it went, with the digest.
        public var reference: RegistryReference
        public var uploaded = 0
        public var skipped = 0
        public var mounted = 0
        public var bytesUploaded: Int64 = 0
        /// Attached documents pushed (SBOM, provenance, …).
        public var referrers = 0
        /// True when the registry indexed them itself (referrers API), false for the tag fallback.
        public var referrersAPI = false
    }

    /// Pushes `artifact` and the documents attached to it to `target` (tagged when `target.tag` is set).
    /// Blobs the repository has are skipped; blobs in `mountFrom` repositories on the same registry are
    /// mounted instead of uploaded.
    public func push(_ artifact: StoredArtifact, to target: RegistryReference, mountFrom: [String] = []) async throws
        -> PushReport
    {
        var report = PushReport(
            reference: RegistryReference(
                registry: target.registry, repository: target.repository, tag: target.tag, digest: artifact.digest))
        let manifestData = try store.layout.readBlob(artifact.digest)
        let manifest = try decodeManifest(manifestData, artifact.digest)
        try await pushBlobs([manifest.config] + manifest.layers, to: target.repository, mountFrom: mountFrom, &report)
        try await client.putManifest(
            manifestData, mediaType: MediaType.manifest, reference: target.tag ?? artifact.digest.description,
            in: target.repository)
        if target.tag != nil {
            // Also reachable by digest alone, whatever happens to the tag later.
            try await client.putManifest(
                manifestData, mediaType: MediaType.manifest, reference: artifact.digest.description,
                in: target.repository)
        }
        for referrer in try store.referrers(of: artifact.digest) {
            let data = try store.layout.readBlob(referrer.digest)
            try await pushBlobs(
                [referrer.manifest.config] + referrer.manifest.layers, to: target.repository, mountFrom: mountFrom,
                &report)
            let indexed = try await client.putManifest(
                data, mediaType: MediaType.manifest, reference: referrer.digest.description, in: target.repository)
            report.referrersAPI = indexed
            if !indexed {
                try await client.addToFallbackIndex(
                    Descriptor(
                        mediaType: MediaType.manifest, digest: referrer.digest, size: Int64(data.count),
                        artifactType: referrer.artifactType),
                    subject: artifact.digest, in: target.repository)
            }
            report.referrers += 1
        }
        return report
    }

    private func pushBlobs(
        _ descriptors: [Descriptor], to repository: String, mountFrom: [String], _ report: inout PushReport
    ) async throws {
        for descriptor in descriptors {
            if try await client.hasBlob(descriptor.digest, in: repository) {
                report.skipped += 1
                continue
            }
            var mounted = false
            for source in mountFrom where source != repository {
                if try await client.mount(descriptor.digest, into: repository, from: source) {
                    mounted = true
                    break
                }
            }
            if mounted {
                report.mounted += 1
                continue
            }
            guard store.layout.hasBlob(descriptor.digest) else {
                throw ArtifactError.notFound("blob \(descriptor.digest) (the local store is incomplete)")
            }
            try await client.upload(
                file: store.layout.blobURL(descriptor.digest), digest: descriptor.digest, size: descriptor.size,
                to: repository)
            report.uploaded += 1
            report.bytesUploaded += descriptor.size
        }
    }

    /// What a pull brought in.
    public struct PullReport: Sendable {
        public var artifact: StoredArtifact
        public var blobs = 0
        public var bytes: Int64 = 0
        public var referrers = 0
    }

    /// Pulls the manifest `source` names, its blobs (each verified against its digest while it streams)
    /// and the documents attached to it, and records it locally as `app:tag`.
    public func pull(_ source: RegistryReference, as app: String, tag: String) async throws -> PullReport {
        try ArtifactReference.validate(app: app)
        try ArtifactReference.validate(tag: tag)
        guard let (data, digest) = try await client.manifest(source.identifier, in: source.repository) else {
            throw RegistryError.notFound("\(source) does not exist")
        }
        if let expected = source.digest, expected != digest {
            throw RegistryError.digestMismatch("\(source): the manifest's digest is \(digest)")
        }
        let manifest = try decodeManifest(data, digest)
        var report = PullReport(
            artifact: StoredArtifact(app: app, digest: digest, size: Int64(data.count), tags: [tag]))
        for descriptor in [manifest.config] + manifest.layers {
            try await client.download(descriptor, from: source.repository, into: store.layout)
            report.blobs += 1
            report.bytes += descriptor.size
        }
        try store.layout.putBlob(data)
        try store.record(app: app, tag: tag, manifest: digest, size: Int64(data.count))
        let (referrers, _) = try await client.referrers(of: digest, in: source.repository)
        for descriptor in referrers {
            guard
                let (referrerData, referrerDigest) = try await client.manifest(
                    descriptor.digest.description, in: source.repository)
            else { continue }
            let referrer = try decodeManifest(referrerData, referrerDigest)
            guard referrer.subject?.digest == digest else {
                throw RegistryError.malformed("referrer \(referrerDigest) does not name \(digest) as its subject")
            }
            for blob in [referrer.config] + referrer.layers {
                try await client.download(blob, from: source.repository, into: store.layout)
            }
            try store.layout.putBlob(referrerData)
            try store.layout.updateIndex { index in
                guard !index.manifests.contains(where: { $0.digest == referrerDigest }) else { return }
                index.manifests.append(
                    Descriptor(
                        mediaType: MediaType.manifest, digest: referrerDigest, size: Int64(referrerData.count),
                        annotations: [AnnotationKey.app: app, AnnotationKey.subject: digest.description],
                        artifactType: referrer.artifactType ?? descriptor.artifactType))
            }
            report.referrers += 1
        }
        report.artifact = try store.resolve(.digest(app: app, digest))
        return report
    }

    /// The manifest and referrers of a remote artifact, without downloading its layers.
    public func inspect(_ source: RegistryReference) async throws -> (
        digest: Digest, manifest: ImageManifest, referrers: [Descriptor], referrersAPI: Bool
    ) {
        guard let (data, digest) = try await client.manifest(source.identifier, in: source.repository) else {
            throw RegistryError.notFound("\(source) does not exist")
        }
        let manifest = try decodeManifest(data, digest)
        let (referrers, viaAPI) = try await client.referrers(of: digest, in: source.repository)
        return (digest, manifest, referrers, viaAPI)
    }

    private func decodeManifest(_ data: Data, _ digest: Digest) throws -> ImageManifest {
        if let index = try? JSONDecoder().decode(ImageIndex.self, from: data), index.mediaType == MediaType.index {
            throw RegistryError.malformed(
                "\(digest) is an image index (several manifests); name one manifest by its digest")
        }
        do {
            return try JSONDecoder().decode(ImageManifest.self, from: data)
        } catch {
            throw RegistryError.malformed("\(digest) is not an OCI image manifest: \(error)")
        }
    }
}
