public import Foundation
import GantryCore
import Inventory

/// The packages a vulnerability scan checks: what a directory's lockfiles pin, or the components of
/// a CycloneDX SBOM file.
public enum LockfilePackages {
    /// The packages a directory's lockfiles pin.
    public static func of(directory: URL) throws -> [PackageVersion] {
        try LockfileInventory.scan(under: directory).components.compactMap { PackageVersion(purl: $0.purl) }
    }

    /// The packages a directory's lockfiles pin, refusing to return none: a scan of nothing must not
    /// pass. Unless `allowNone`, no lockfile, or lockfiles that pin no package, is an `InputError`
    /// saying which files were read and how to scan anyway (`allowHint`).
    public static func requiring(directory: URL, allowNone: Bool, allowHint: String) throws -> [PackageVersion] {
        let (components, lockfiles) = try LockfileInventory.scan(under: directory)
        let packages = components.compactMap { PackageVersion(purl: $0.purl) }
        guard packages.isEmpty, !allowNone else { return packages }
        if lockfiles.isEmpty {
            throw InputError(
                "\(directory.path): no lockfile found, so the scan would check nothing (Gantry reads "
                    + "\(LockfileInventory.lockfileNames.joined(separator: ", "))); \(allowHint) to scan anyway")
        }
        throw InputError(
            "\(directory.path): the lockfiles (\(lockfiles.prefix(5).joined(separator: ", "))\(lockfiles.count > 5 ? ", …" : "")) "
                + "pin no package, so the scan would check nothing; \(allowHint) to scan anyway")
    }

    /// A directory (its lockfiles) or a CycloneDX SBOM (JSON) file, refusing to return no package
    /// unless `allowNone` (see `requiring(directory:allowNone:allowHint:)`).
    public static func requiring(path: URL, allowNone: Bool, allowHint: String) throws -> [PackageVersion] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try requiring(directory: path, allowNone: allowNone, allowHint: allowHint)
        }
        let packages = try of(path: path)
        if packages.isEmpty && !allowNone {
            throw InputError(
                "\(path.path): the SBOM lists no package, so the scan would check nothing; \(allowHint) to scan anyway")
        }
        return packages
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
