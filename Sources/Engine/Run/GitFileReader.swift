import Foundation
import Processes

/// Reads one file of a local git repository (a clone or a bare mirror) at a revision, with hooks and
/// the fsmonitor off: what it reads is data (a pipeline template, another project's CI file), never
/// code to run.
enum GitFileReader {
    /// The most a file may hold.
    static let maximumBytes = 1 << 20

    /// Why a file cannot be read, worded for the person who named it.
    struct Problem: Error {
        let message: String
    }

    /// `git` in `repository` with hooks and the fsmonitor off; its trimmed output.
    static func git(_ arguments: [String], in repository: URL, trimmed: Bool = true) async throws -> String {
        let output = try await GitCommand.run(
            ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"] + arguments, in: repository,
            timeout: .seconds(30))
        return trimmed ? output.trimmingCharacters(in: .whitespacesAndNewlines) : output
    }

    /// Whether `folder` is a git repository.
    static func isRepository(_ folder: URL) async -> Bool {
        (try? await git(["rev-parse", "--git-dir"], in: folder)) != nil
    }

    /// The commit `revision` names in `repository` (`what` names the repository in the message).
    static func commit(_ revision: String, in repository: URL, what: String) async throws -> String {
        guard !revision.hasPrefix("-") else { throw Problem(message: "\(what): a version cannot start with '-'") }
        do {
            return try await git(
                ["rev-parse", "--verify", "--quiet", "--end-of-options", "\(revision)^{commit}"], in: repository)
        } catch {
            throw Problem(message: "\(what) has no version '\(revision)' (a branch, tag or commit of it)")
        }
    }

    /// The text of `file` at `commit`, at most `maximumBytes`.
    static func text(of file: String, at commit: String, in repository: URL, what: String, revision: String)
        async throws -> String
    {
        guard !file.hasPrefix("-"), !file.hasPrefix("/") else {
            throw Problem(message: "\(what): the file '\(file)' cannot start with '-' or '/'")
        }
        let text: String
        do {
            text = try await git(["cat-file", "blob", "\(commit):\(file)"], in: repository, trimmed: false)
        } catch {
            throw Problem(message: "\(what) has no file '\(file)' at \(revision)")
        }
        guard text.utf8.count <= maximumBytes else {
            throw Problem(message: "\(what): the file '\(file)' is larger than \(maximumBytes) bytes")
        }
        return text
    }
}
