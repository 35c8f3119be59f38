import Foundation
import GantryCore
import Processes

/// Commit and branch of the workspace, and files changed since a ref, read with the real `git`.
public enum GitInfo {
    /// `(sha, branch)` of HEAD, or nils outside a git repository.
    public static func head(in directory: URL) async -> (sha: String?, branch: String?) {
        let sha = try? await git(["rev-parse", "HEAD"], in: directory)
        var branch = try? await git(["rev-parse", "--abbrev-ref", "HEAD"], in: directory)
        if branch == "HEAD" { branch = nil }  // detached
        return (sha, branch)
    }

    /// Files under `directory` (the pipeline's workspace; in a monorepo, changes elsewhere do not count)
    /// that differ from HEAD: modified, staged, deleted, or untracked and not ignored. Paths are
    /// relative to the repository; Gantry's own state folder is left out. Nil outside a git
    /// repository. Taken when a run starts: what the run was built from besides its commit.
    public static func uncommittedChanges(in directory: URL, stateDirectory: URL) async -> [String]? {
        // One `git status`, limited to the workspace, with Gantry's state folder excluded when it lies
        // inside it. Not trimmed: each line starts with a two-column status that may begin with a space.
        var pathspec = ["--", "."]
        let workspace = directory.standardizedFileURL.path + "/"
        let state = stateDirectory.standardizedFileURL.path
        if state.hasPrefix(workspace) { pathspec.append(":(exclude)\(state.dropFirst(workspace.count))") }
        guard
            let status = try? await git(
                ["status", "--porcelain=v1", "--untracked-files=normal"] + pathspec, in: directory, trimmed: false)
        else { return nil }
        return status.split(separator: "\n").compactMap { line in line.count > 3 ? String(line.dropFirst(3)) : nil }
    }

    /// Files changed between `ref` and the working tree (committed, staged, unstaged and untracked),
    /// relative to `directory`. Throws `InputError` when `ref` is unknown.
    public static func changedFiles(since ref: String, in directory: URL) async throws -> [String] {
        guard !ref.hasPrefix("-") else { throw InputError("--since: '\(ref)' is not a git ref") }
        let diff: String
        do {
            diff = try await git(["diff", "--name-only", "--relative", ref, "--"], in: directory)
        } catch let error as GitError {
            throw InputError("--since \(ref): \(error.message)")
        }
        let untracked = (try? await git(["ls-files", "--others", "--exclude-standard"], in: directory)) ?? ""
        let files = (diff + "\n" + untracked).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        return Array(Set(files)).sorted()
    }

    struct GitError: Error {
        let message: String
    }

    static func git(_ arguments: [String], in directory: URL, trimmed: Bool = true) async throws -> String {
        let output: String
        do {
            output = try await GitCommand.run(arguments, in: directory, timeout: .seconds(60))
        } catch let failure as GitCommand.Failure {
            throw GitError(message: failure.stderr)
        }
        return trimmed ? output.trimmingCharacters(in: .whitespacesAndNewlines) : output
    }
}
