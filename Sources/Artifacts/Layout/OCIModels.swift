import Foundation
import GantryCore

/// OCI media types Gantry writes and reads.
public enum MediaType {
    public static let manifest = "application/vnd.oci.image.manifest.v1+json"
    public static let index = "application/vnd.oci.image.index.v1+json"
    public static let imageConfig = "application/vnd.oci.image.config.v1+json"
    public static let tarLayer = "application/vnd.oci.image.layer.v1.tar"
    /// `artifactType` of what `gantry artifact pack` produces.
    public static let gantryArtifact = "application/vnd.gantry.artifact.v1"
}

/// Annotation keys Gantry uses in manifests and in the layout's `index.json`.
public enum AnnotationKey {
    /// The tag in an image layout's index (`skopeo inspect oci:DIR:<ref.name>`).
    public static let refName = "org.opencontainers.image.ref.name"
    public static let created = "org.opencontainers.image.created"
    public static let title = "org.opencontainers.image.title"
    /// The application an artifact belongs to.
    public static let app = "dev.gantry.app"
}

/// An OCI content descriptor.
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]?
    public var artifactType: String?

    public init(
        mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil,
        artifactType: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.artifactType = artifactType
    }
}

/// An OCI image manifest.
public struct ImageManifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int = 2
    public var mediaType: String = MediaType.manifest
    public var artifactType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(
        artifactType: String?, config: Descriptor, layers: [Descriptor], subject: Descriptor? = nil,
        annotations: [String: String]? = nil
    ) {
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
    }
}

/// An OCI image index (the layout's `index.json`).
public struct ImageIndex: Codable, Hashable, Sendable {
    public var schemaVersion: Int = 2
    public var mediaType: String? = MediaType.index
    public var manifests: [Descriptor]

    public init(manifests: [Descriptor]) { self.manifests = manifests }
}

/// The image configuration of a packed artifact: a single uncompressed layer, no platform-specific
/// settings, and a creation time taken from `SOURCE_DATE_EPOCH` (default 0) so digests are reproducible.
public struct ImageConfig: Codable, Hashable, Sendable {
    public struct RootFS: Codable, Hashable, Sendable {
        public var type: String = "layers"
        public var diff_ids: [Digest]
    }

    public var created: String
    public var architecture: String
    public var os: String
    public var rootfs: RootFS
}
