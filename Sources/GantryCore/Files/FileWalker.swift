public import Foundation

/// Lists regular files under a root that match globs, as sorted relative paths.
public enum FileWalker {
    /// Relative paths (with `/`) of files under `root` matching any of `globs`, sorted, without duplicates.
    /// Directories named `.git` and `.gantry` are never entered.
    public static func files(under root: URL, matching globs: [Glob]) -> [String] {
        guard !globs.isEmpty else { return [] }
        var result = Set<String>()
        let manager = FileManager.default
        // A pattern without wildcards names one file: look at it instead of walking a tree.
        var walked: [Glob] = []
        for glob in globs {
            guard glob.isLiteral else {
                walked.append(glob)
                continue
            }
            var isDirectory: ObjCBool = false
            let path = root.appendingPathComponent(glob.normalizedPattern).path
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.insert(glob.normalizedPattern)
            }
        }
        let globs = walked
        let prefixes = Set(globs.map(\.literalPrefix))
        for prefix in prefixes {
            let base = prefix.isEmpty ? root : root.appendingPathComponent(prefix)
            guard
                let enumerator = manager.enumerator(
                    at: base, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey], options: [])
            else { continue }
            for case let url as URL in enumerator {
                let name = url.lastPathComponent
                let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
                if values?.isDirectory == true {
                    if name == ".git" || name == ".gantry" || name.hasPrefix(".build") { enumerator.skipDescendants() }
                    continue
                }
                guard values?.isRegularFile == true else { continue }
                let relative = relativePath(of: url, to: root)
                if globs.contains(where: { $0.matches(relative) }) { result.insert(relative) }
            }
        }
        return result.sorted()
    }

    /// The path of `url` relative to `root`, with `/` separators.
    public static func relativePath(of url: URL, to root: URL) -> String {
        let full = url.standardizedFileURL.resolvingSymlinksInPath().path
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        if full.hasPrefix(base + "/") { return String(full.dropFirst(base.count + 1)) }
        return full
    }
}
