import Foundation

/// One project a server builds: where its repository is, which pipeline file to run, and the secret
/// its webhooks are signed with.
public struct ProjectConfiguration: Sendable, Hashable {
    /// `[a-z0-9][a-z0-9._-]*`: it appears in URLs and paths.
    public var name: String
    /// A path or URL the server can `git fetch` from.
    public var repository: String
    /// The pipeline file, relative to the repository's root.
    public var pipeline: String
    /// The value webhooks are signed with (resolved from an environment variable or a file, never
    /// written inline); nil: the project's webhooks are refused.
    public var webhookSecret: String?
    /// Branches whose pushes start a run; nil: every branch.
    public var branches: [String]?

    public init(
        name: String, repository: String, pipeline: String = "gantry.yml", webhookSecret: String? = nil,
        branches: [String]? = nil
    ) {
        self.name = name
        self.repository = repository
        self.pipeline = pipeline
        self.webhookSecret = webhookSecret
        self.branches = branches
    }

    /// The repository for people and API responses: credentials in a URL (`https://user:token@host/…`)
    /// shown as `***`.
    public var displayRepository: String { Self.redactingCredentials(repository) }

    /// `text` with the user-information part of every URL in it replaced by `***` (git's error
    /// messages quote the URL they failed on).
    public static func redactingCredentials(_ text: String) -> String {
        guard let pattern = try? Regex(#"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@"#) else { return text }
        return text.replacing(pattern) { match in "\(match.output[1].substring ?? "")***@" }
    }

    /// Whether a push to `ref` (`refs/heads/main`) starts a run.
    public func runsPush(to ref: String) -> Bool {
        guard let branches else { return true }
        let prefix = "refs/heads/"
        guard ref.hasPrefix(prefix) else { return false }
        return branches.contains(String(ref.dropFirst(prefix.count)))
    }

    /// `text` made into a valid project name (lowercase, other characters as `-`), or `project`.
    static func slug(_ text: String) -> String {
        let mapped = String(
            text.lowercased().map {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".contains($0) ? $0 : "-"
            })
        let trimmed = String(mapped.drop { !(("a"..."z").contains($0) || ("0"..."9").contains($0)) }.prefix(64))
        return isValidName(trimmed) ? trimmed : "project"
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64 else { return false }
        let lower = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789")
        let allowed = lower.union(CharacterSet(charactersIn: "._-"))
        return lower.contains(first) && name.unicodeScalars.allSatisfy(allowed.contains)
    }
}
