import Foundation
import GantryCore
import Processes

/// A project's repository as the server keeps it: a bare mirror under `repos/<project>.git` fetched
/// from the configured repository, and one detached worktree per run under `worktrees/<queue id>`,
/// removed when the run ends. Concurrent runs never share a worktree; each checks out its exact commit.
struct GitCheckout: Sendable {
    let project: ProjectConfiguration
    /// The server's data directory.
    let dataDirectory: URL
    let cancellation: CancellationFlag

    var mirror: URL { dataDirectory.appendingPathComponent("repos/\(project.name).git") }

    /// Fetches `commit` into the mirror (cloning it the first time) and checks it out, detached, into
    /// a new worktree at `directory`.
    func checkout(commit: String, into directory: URL) async throws {
        try await MirrorLock.shared.withLock(mirror.path) {
            try await fetch(commit: commit)
            try FileManager.default.createDirectory(
                at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
            try await git(["worktree", "add", "--detach", "--quiet", "--", directory.path, commit], in: mirror)
        }
    }

    /// Removes a worktree (and its registration in the mirror).
    func remove(_ directory: URL) async {
        _ = try? await MirrorLock.shared.withLock(mirror.path) {
            _ = try? await git(["worktree", "remove", "--force", "--", directory.path], in: mirror)
            try? FileManager.default.removeItem(at: directory)
            _ = try? await git(["worktree", "prune"], in: mirror)
        }
    }

    /// Files changed between `base` and `commit` (for path filters when the event did not list them).
    func changedFiles(from base: String, to commit: String) async -> [String]? {
        guard let output = try? await git(["diff", "--name-only", "--no-renames", base, commit, "--"], in: mirror)
        else { return nil }
        return output.split(separator: "\n").map(String.init)
    }

    private func fetch(commit: String) async throws {
        let parent = mirror.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: mirror.appendingPathComponent("HEAD").path) {
            try? FileManager.default.removeItem(at: mirror)
            try await git(["clone", "--bare", "--quiet", "--", project.repository, mirror.path], in: parent)
        }
        if try await hasCommit(commit) { return }
        try await git(
            [
                "fetch", "--quiet", "--prune", "--", project.repository, "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ], in: mirror)
        if try await hasCommit(commit) { return }
        // A pull request's head is on no branch: ask for the commit itself.
        _ = try? await git(["fetch", "--quiet", "--", project.repository, commit], in: mirror)
        guard try await hasCommit(commit) else {
            throw InputError("commit \(commit) is not in \(project.displayRepository) (was it pushed?)")
        }
    }

    private func hasCommit(_ commit: String) async throws -> Bool {
        (try? await git(["cat-file", "-e", "\(commit)^{commit}"], in: mirror)) != nil
    }

    @discardableResult
    private func git(_ arguments: [String], in directory: URL) async throws -> String {
        do {
            return try await GitCommand.run(
                arguments, in: directory, timeout: .seconds(600), cancellation: cancellation, killGrace: .seconds(2),
                // Never wait for a password on a terminal the server does not have.
                environment: ["GIT_TERMINAL_PROMPT": "0"]
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let failure as GitCommand.Failure {
            // Never repeat credentials a repository URL carries (the message reaches the API and logs).
            throw InfrastructureError(
                ProjectConfiguration.redactingCredentials("git \(arguments.first ?? "") failed: \(failure)"))
        }
    }
}
