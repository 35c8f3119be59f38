public import Foundation
import GantryCore

/// What a directory tree's lockfiles pin: the input of the SBOM (Attestation) and of vulnerability
/// scans (Policy).
public enum LockfileInventory {
    /// Names (and name patterns) of the lockfiles Gantry reads, for messages.
    public static var lockfileNames: [String] { Lockfiles.parsers.flatMap(\.fileNames) }

    /// Directories never walked: dependencies' own trees, version control, build output, Gantry's state.
    static let skipped: Set<String> = ["node_modules", ".git", ".gantry", ".build", "target", "vendor"]

    /// Every component of every lockfile under `root`, sorted and without duplicates, and the lockfiles
    /// read (relative paths, sorted; one that pins nothing is still listed, so a caller can tell "nothing
    /// pinned" from "no lockfile"). A lockfile that cannot be parsed is an `InventoryError` naming it.
    public static func scan(under root: URL) throws -> (components: [Component], lockfiles: [String]) {
        var lockfiles: [String] = []
        var found = Set<Component>()
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return ([], []) }
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if skipped.contains(name) {
                enumerator.skipDescendants()
                continue
            }
            guard let parser = Lockfiles.parser(for: relative) else { continue }
            let url = root.appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            lockfiles.append(relative)
            do {
                found.formUnion(try parser.components(in: String(decoding: data, as: UTF8.self), source: relative))
            } catch {
                throw InventoryError("\(relative): cannot read the lockfile: \(FileErrorText.describe(error))")
            }
        }
        return (found.sorted(), lockfiles.sorted())
    }
}

/// A lockfile that cannot be read.
public struct InventoryError: GantryError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var exitStatus: ExitStatus { .inputError }
}
