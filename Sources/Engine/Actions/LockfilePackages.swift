import Attestation
public import Foundation
public import Policy

/// The packages a vulnerability scan checks: what a directory's lockfiles pin (read by the SBOM
/// generator), or the components of a CycloneDX SBOM file.
public enum LockfilePackages {
    /// The packages a directory's lockfiles pin.
    public static func of(directory: URL, app: String = "scan") throws -> [PackageVersion] {
        try SBOMGenerator(appName: app, timestamp: 0).bom(for: directory).components.compactMap {
            PackageVersion(purl: $0.purl)
        }
    }

    /// A directory (its lockfiles) or a CycloneDX SBOM (JSON) file.
    public static func of(path: URL) throws -> [PackageVersion] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try of(directory: path)
        }
        guard let data = FileManager.default.contents(atPath: path.path) else {
            throw VulnerabilityError.input("\(path.path): cannot be read")
        }
        return try VulnerabilityScanner.packages(fromCycloneDX: data, file: path.path)
    }
}
