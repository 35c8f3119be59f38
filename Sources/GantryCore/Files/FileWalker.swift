public import Foundation

/// Lists regular files under a root that match globs, as sorted relative paths.
public enum FileWalker {
    /// Relative paths (with `/`) of files under `root` matching any of `globs`, sorted, without duplicates.
    /// Directories named `.git` and `.gantry` are never entered.
    public static func files(under root: URL, matching globs: [Glob]) -> [String] {
        match(under: root, globs).files
    }

    /// The files matching any of `globs` (as `files(under:matching:)`) and, from the same walk, the
    /// globs that matched no file (a typo in `inputs:`).
    public static func match(under root: URL, _ globs: [Glob]) -> (files: [String], unmatched: [Glob]) {
        guard !globs.isEmpty else { return ([], []) }
        let all = globs
        var result = Set<String>()
        var unmatched = Set<Glob>()
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
            } else {
                unmatched.insert(glob)
            }
        }
        let globs = walked
        var matched = [Bool](repeating: false, count: globs.count)
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
                var isMatch = false
                for index in globs.indices where !(isMatch && matched[index]) && globs[index].matches(relative) {
                    matched[index] = true
                    isMatch = true
                }
                if isMatch { result.insert(relative) }
            }
        }
        unmatched.formUnion(globs.indices.filter { !matched[$0] }.map { globs[$0] })
        return (result.sorted(), all.filter(unmatched.contains))
    }

    /// The path of `url` relative to `root`, with `/` separators.
    public static func relativePath(of url: URL, to root: URL) -> String {
        let full = url.standardizedFileURL.resolvingSymlinksInPath().path
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        if full.hasPrefix(base + "/") { return String(full.dropFirst(base.count + 1)) }
        return full
    }
}
