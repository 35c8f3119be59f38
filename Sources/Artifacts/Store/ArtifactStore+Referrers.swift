import Foundation
import GantryCore

extension AnnotationKey {
    /// On `index.json` entries of attached documents: the digest of the artifact they describe.
    public static let subject = "dev.gantry.subject"
}

extension MediaType {
    public static let empty = "application/vnd.oci.empty.v1+json"
}

/// A document attached to an artifact (an OCI referrer): its manifest and the blob it carries.
public struct Referrer: Sendable {
    public var digest: Digest
    public var artifactType: String
    public var manifest: ImageManifest
}

extension ArtifactStore {
    /// Attaches `content` to `artifact` as an OCI referrer: a manifest whose `subject` is the artifact,
    /// with the empty config and `content` as its only layer. Returns the referrer manifest's digest.
    @discardableResult
    public func attach(_ content: Data, mediaType: String, artifactType: String, to artifact: StoredArtifact) throws
        -> Digest
    {
        let empty = try layout.putBlob(Data("{}".utf8))
        let blob = try layout.putBlob(content)
        let subject = Descriptor(mediaType: MediaType.manifest, digest: artifact.digest, size: artifact.size)
        let manifest = ImageManifest(
            artifactType: artifactType,
            config: Descriptor(mediaType: MediaType.empty, digest: empty.digest, size: empty.size),
            layers: [Descriptor(mediaType: mediaType, digest: blob.digest, size: blob.size)], subject: subject)
        let stored = try layout.putBlob(try CanonicalJSON.encode(manifest))
        try layout.updateIndex { index in
            guard !index.manifests.contains(where: { $0.digest == stored.digest }) else { return }
            index.manifests.append(
                Descriptor(
                    mediaType: MediaType.manifest, digest: stored.digest, size: stored.size,
                    annotations: [AnnotationKey.app: artifact.app, AnnotationKey.subject: artifact.digest.description],
                    artifactType: artifactType))
        }
        return stored.digest
    }

    /// Documents attached to the artifact with `digest`, optionally of one artifact type.
    public func referrers(of digest: Digest, artifactType: String? = nil) throws -> [Referrer] {
        try layout.index().manifests.compactMap { descriptor -> Referrer? in
            guard descriptor.annotations?[AnnotationKey.subject] == digest.description else { return nil }
            if let artifactType, descriptor.artifactType != artifactType { return nil }
            let data = try layout.readBlob(descriptor.digest)
            let manifest: ImageManifest
            do {
                manifest = try JSONDecoder().decode(ImageManifest.self, from: data)
            } catch {
                throw ArtifactError.malformed("referrer \(descriptor.digest) is not a valid OCI manifest: \(error)")
            }
            guard manifest.subject?.digest == digest else {
                throw ArtifactError.corrupt("referrer \(descriptor.digest) does not refer to \(digest)")
            }
            return Referrer(digest: descriptor.digest, artifactType: manifest.artifactType ?? "", manifest: manifest)
        }
    }

    /// The content of a referrer's single layer, verified against its digest.
    public func content(of referrer: Referrer) throws -> Data {
        guard let layer = referrer.manifest.layers.first else {
            throw ArtifactError.malformed("referrer \(referrer.digest) has no content layer")
        }
        return try layout.readBlob(layer.digest)
    }

    /// Lists artifacts, leaving out attached documents (they have a subject).
    public func artifacts() throws -> [StoredArtifact] {
        let attached = Set(
            try layout.index().manifests.filter { $0.annotations?[AnnotationKey.subject] != nil }.map(\.digest))
        return try list().filter { !attached.contains($0.digest) }
    }
}
