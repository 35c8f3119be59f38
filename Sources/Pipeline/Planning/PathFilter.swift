public import GantryCore

/// Decides whether a job is relevant to a set of changed files (`paths` / `paths-ignore`).
public struct PathFilter: Sendable, Hashable {
    public var paths: [Glob]
    public var pathsIgnore: [Glob]

    public init(paths: [Glob], pathsIgnore: [Glob]) {
        self.paths = paths
        self.pathsIgnore = pathsIgnore
    }

    public var isEmpty: Bool { paths.isEmpty && pathsIgnore.isEmpty }

    /// Nil when the job is relevant, otherwise the reason it is not.
    ///
    /// `paths`: the job runs when at least one changed file matches; a pattern starting with `!`
    /// excludes files an earlier pattern matched (the last matching pattern wins).
    /// `paths-ignore`: the job is skipped when every changed file matches one of the patterns.
    public func skipReason(changedFiles: [String]) -> String? {
        if !paths.isEmpty {
            let relevant = changedFiles.contains { Self.included($0, by: paths) }
            if !relevant {
                return changedFiles.isEmpty
                    ? "no files changed"
                    : "no changed file matches paths (\(paths.map(\.pattern).joined(separator: ", ")))"
            }
        }
        if !pathsIgnore.isEmpty {
            let remaining = changedFiles.filter { !Self.included($0, by: pathsIgnore) }
            if remaining.isEmpty {
                return "every changed file matches paths-ignore (\(pathsIgnore.map(\.pattern).joined(separator: ", ")))"
            }
        }
        return nil
    }

    static func included(_ file: String, by globs: [Glob]) -> Bool {
        var included = false
        for glob in globs {
            if glob.pattern.hasPrefix("!") {
                if Glob(String(glob.pattern.dropFirst())).matches(file) { included = false }
            } else if glob.matches(file) {
                included = true
            }
        }
        return included
    }
}
