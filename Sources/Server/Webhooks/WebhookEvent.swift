import Foundation
import GantryCore

/// What a forge's webhook asks for, once parsed: a run of one commit, or nothing (and why).
enum WebhookEvent: Sendable, Equatable {
    case run(Trigger)
    /// A delivery that starts nothing: a ping, a deleted branch, a closed pull request…
    case ignore(String)

    /// A run the event asks for.
    struct Trigger: Sendable, Equatable {
        /// `push`, `pull_request`, `merge_request`, …
        var event: String
        var commitSHA: String
        var ref: String?
        /// The files the payload says changed; nil when it does not say (path filters then use
        /// `git diff` against `baseSHA` in the checkout, or run everything without one).
        var changedFiles: [String]?
        /// The commit to diff against when the payload lists no files.
        var baseSHA: String?
    }

    /// A 40-hex (SHA-1) or 64-hex (SHA-256) commit id, lowercased; anything else is refused before it
    /// reaches git.
    static func commitID(_ text: String?) -> String? {
        guard let text, text.count == 40 || text.count == 64, text.allSatisfy(\.isHexDigit) else { return nil }
        let lower = text.lowercased()
        return lower.allSatisfy { $0 == "0" } ? nil : lower
    }

    /// The union of added, modified and removed files of push-event commits (GitHub and GitLab share
    /// the shape); nil when there are no commit entries to read.
    static func changedFiles(commits: JSONValue?) -> [String]? {
        guard case .array(let items)? = commits, !items.isEmpty else { return nil }
        var files = Set<String>()
        for commit in items {
            for key in ["added", "modified", "removed"] {
                guard case .array(let paths)? = commit[key] else { continue }
                for case .string(let path) in paths { files.insert(path) }
            }
        }
        return files.sorted()
    }
}

extension JSONValue {
    /// The string at `path` of nested object keys.
    func string(at path: String...) -> String? {
        var node: JSONValue? = self
        for key in path { node = node?[key] }
        if case .string(let text)? = node { return text }
        return nil
    }

    func bool(at path: String...) -> Bool? {
        var node: JSONValue? = self
        for key in path { node = node?[key] }
        if case .bool(let flag)? = node { return flag }
        return nil
    }
}
