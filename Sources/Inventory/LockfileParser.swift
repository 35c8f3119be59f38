import Foundation

/// Reads the pinned dependencies of one lockfile format.
protocol LockfileParser: Sendable {
    /// File names this parser reads (exact base names).
    var fileNames: [String] { get }
    /// Whether this parser reads the file at `path` (relative to the scanned root): by default, when
    /// its base name is one of `fileNames`.
    func reads(path: String) -> Bool
    /// The components in `text`; `source` is the lockfile's path relative to the scanned root.
    func components(in text: String, source: String) throws -> [Component]
}

extension LockfileParser {
    func reads(path: String) -> Bool { fileNames.contains((path as NSString).lastPathComponent) }
}

/// Every lockfile format Gantry reads.
enum Lockfiles {
    static let parsers: [any LockfileParser] = [
        SwiftPackageResolved(), NPMPackageLock(), PipRequirements(), CargoLock(), GoSum(), PoetryOrUVLock(),
        GemfileLock(),
    ]

    /// The parser for the file at `path` (relative to the scanned root), if it is a lockfile.
    static func parser(for path: String) -> (any LockfileParser)? {
        parsers.first { $0.reads(path: path) }
    }
}
