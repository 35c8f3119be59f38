import Foundation

/// Reads the pinned dependencies of one lockfile format.
protocol LockfileParser: Sendable {
    /// File names this parser reads (exact base names).
    var fileNames: [String] { get }
    /// The components in `text`; `source` is the lockfile's path relative to the scanned root.
    func components(in text: String, source: String) throws -> [Component]
}

/// Every lockfile format Gantry reads.
enum Lockfiles {
    static let parsers: [any LockfileParser] = [
        SwiftPackageResolved(), NPMPackageLock(), PipRequirements(), CargoLock(), GoSum(), PoetryOrUVLock(),
        GemfileLock(),
    ]

    static func parser(for fileName: String) -> (any LockfileParser)? {
        parsers.first { $0.fileNames.contains(fileName) }
    }
}
