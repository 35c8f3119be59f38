import Foundation
import GantryCore
public import Inventory

/// Builds a CycloneDX SBOM from the lockfiles found in a directory tree.
///
/// The output depends only on the lockfiles' content, the artifact name and `SOURCE_DATE_EPOCH`, so
/// an SBOM regenerated later from the artifact's unpacked content is byte-for-byte the one sealed at
/// pack time.
public struct SBOMGenerator: Sendable {
    public var appName: String
    /// Seconds since the epoch for `metadata.timestamp`.
    public var timestamp: Int64

    public init(appName: String, timestamp: Int64) {
        self.appName = appName
        self.timestamp = timestamp
    }

    /// Names of the lockfiles Gantry reads.
    public static var lockfileNames: [String] { LockfileInventory.lockfileNames }

    /// Every component of every lockfile under `root` (see `LockfileInventory`), sorted and without duplicates.
    public func components(under root: URL) throws -> [Component] {
        try inventory(under: root).components
    }

    /// The components under `root` and the lockfiles they were read from.
    public func inventory(under root: URL) throws -> (components: [Component], lockfiles: [String]) {
        do {
            return try LockfileInventory.scan(under: root)
        } catch let error as InventoryError {
            throw AttestationError.statement(error.message)
        }
    }

    /// The SBOM for the components under `root`.
    public func bom(for root: URL) throws -> CycloneDXBOM {
        let components = try components(under: root)
        let listing = components.map { "\($0.purl) \($0.source)" }.joined(separator: "\n")
        return CycloneDXBOM(
            serialNumber: "urn:uuid:" + Self.uuid(from: Digest.sha256("\(appName)\n\(timestamp)\n\(listing)")),
            metadata: .init(
                timestamp: Timestamp.rfc3339Seconds(timestamp),
                tools: [.init(vendor: "Gantry", name: "gantry", version: AttestationVersion.gantry)],
                component: .init(type: "application", name: appName)),
            components: components.map { component in
                .init(
                    type: "library", bomRef: "\(component.purl)#\(component.source)", group: component.namespace,
                    name: component.name, version: component.version, purl: component.purl,
                    properties: [.init(name: "gantry:lockfile", value: component.source)])
            })
    }

    /// A version-5-shaped UUID taken from a digest: stable for the same input, as reproducible builds need.
    static func uuid(from digest: Digest) -> String {
        var hex = Array(digest.hex.prefix(32))
        hex[12] = "5"
        let variant = Int(String(hex[16]), radix: 16) ?? 0
        hex[16] = Character(String((variant & 0x3) | 0x8, radix: 16))
        let text = String(hex)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(
                text[
                    text.index(
                        text.startIndex, offsetBy: range.lowerBound)..<text.index(
                            text.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }
}

/// The version string Gantry writes into SBOMs and provenance.
public enum AttestationVersion {
    public static let gantry = "0.1.0"
}
