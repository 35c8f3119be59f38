import Foundation
import GantryCore

/// A CycloneDX 1.5 JSON BOM, limited to what Gantry writes: metadata about the artifact and one
/// `library` component per locked dependency (with its purl). Encoded canonically, so the same
/// dependencies always give the same bytes and the same digest.
public struct CycloneDXBOM: Codable, Hashable, Sendable {
    public struct Metadata: Codable, Hashable, Sendable {
        public struct Tool: Codable, Hashable, Sendable {
            public var vendor: String
            public var name: String
            public var version: String
        }
        public struct Subject: Codable, Hashable, Sendable {
            public var type: String
            public var name: String
        }
        public var timestamp: String
        public var tools: [Tool]
        public var component: Subject
    }

    public struct Entry: Codable, Hashable, Sendable {
        public struct Property: Codable, Hashable, Sendable {
            public var name: String
            public var value: String
        }
        public var type: String
        public var bomRef: String
        public var group: String?
        public var name: String
        public var version: String
        public var purl: String
        public var properties: [Property]

        enum CodingKeys: String, CodingKey {
            case type, group, name, version, purl, properties
            case bomRef = "bom-ref"
        }
    }

    public var bomFormat = "CycloneDX"
    public var specVersion = "1.5"
    public var serialNumber: String
    public var version = 1
    public var metadata: Metadata
    public var components: [Entry]

    /// The media type of the BOM.
    public static let mediaType = "application/vnd.cyclonedx+json"
    /// The in-toto predicate type of an SBOM attestation.
    public static let predicateType = "https://cyclonedx.org/bom"

    /// Canonical bytes (sorted keys, no whitespace): what is hashed for the SBOM seal.
    public func canonicalData() throws -> Data { try CanonicalJSON.encode(self) }

    /// The SHA-256 of `canonicalData()`.
    public func digest() throws -> Digest { Digest.sha256(try canonicalData()) }
}
