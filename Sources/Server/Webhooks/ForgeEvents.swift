import Foundation
import GantryCore

/// The events of each forge that start runs, parsed from their documented payloads.
enum ForgeEvents {
    /// GitHub: `push` (the pushed head, `after`) and `pull_request` (opened, reopened, synchronize:
    /// the head commit). A deleted branch, other actions and `ping` start nothing.
    static func github(event: String, payload: JSONValue, project: ProjectConfiguration) -> WebhookEvent {
        switch event {
        case "ping":
            return .ignore("ping")
        case "push":
            if payload.bool(at: "deleted") == true { return .ignore("the branch was deleted") }
            return push(payload, commit: WebhookEvent.commitID(payload.string(at: "after")), project: project)
        case "pull_request":
            let action = payload.string(at: "action") ?? ""
            guard ["opened", "reopened", "synchronize"].contains(action) else {
                return .ignore("pull_request '\(action)' runs nothing")
            }
            guard let sha = WebhookEvent.commitID(payload.string(at: "pull_request", "head", "sha")) else {
                return .ignore("the pull request names no head commit")
            }
            let number = payload["pull_request"]?["number"].flatMap { value -> String? in
                if case .number(let text) = value { return text }
                return nil
            }
            return .run(
                .init(
                    event: "pull_request", commitSHA: sha,
                    ref: number.map { "refs/pull/\($0)/head" } ?? payload.string(at: "pull_request", "head", "ref"),
                    changedFiles: nil, baseSHA: WebhookEvent.commitID(payload.string(at: "pull_request", "base", "sha"))
                ))
        default:
            return .ignore("event '\(event)' runs nothing")
        }
    }

    /// GitLab: `Push Hook` (`checkout_sha`, else `after`) and `Merge Request Hook` (open, reopen,
    /// update: the last commit).
    static func gitlab(event: String, payload: JSONValue, project: ProjectConfiguration) -> WebhookEvent {
        switch payload.string(at: "object_kind") ?? event {
        case "push", "Push Hook":
            let commit =
                WebhookEvent.commitID(payload.string(at: "checkout_sha"))
                ?? WebhookEvent.commitID(payload.string(at: "after"))
            return push(payload, commit: commit, project: project)
        case "merge_request", "Merge Request Hook":
            let action = payload.string(at: "object_attributes", "action") ?? ""
            guard ["open", "reopen", "update"].contains(action) else {
                return .ignore("merge_request '\(action)' runs nothing")
            }
            guard let sha = WebhookEvent.commitID(payload.string(at: "object_attributes", "last_commit", "id")) else {
                return .ignore("the merge request names no commit")
            }
            return .run(
                .init(
                    event: "merge_request", commitSHA: sha,
                    ref: payload.string(at: "object_attributes", "source_branch").map { "refs/heads/\($0)" },
                    changedFiles: nil,
                    baseSHA: WebhookEvent.commitID(payload.string(at: "object_attributes", "oldrev"))))
        default:
            return .ignore("event '\(event)' runs nothing")
        }
    }

    /// A push (GitHub and GitLab share the shape): `commit` on `ref`, the files of `commits`, and
    /// `before` to diff against. No commit means the branch was deleted.
    private static func push(_ payload: JSONValue, commit: String?, project: ProjectConfiguration) -> WebhookEvent {
        guard let ref = payload.string(at: "ref") else { return .ignore("the push names no ref") }
        guard let commit else { return .ignore("the push names no commit (a deleted branch)") }
        guard project.runsPush(to: ref) else { return .ignore("\(ref) is not a branch this project runs") }
        return .run(
            .init(
                event: "push", commitSHA: commit, ref: ref,
                changedFiles: WebhookEvent.changedFiles(commits: payload["commits"]),
                baseSHA: WebhookEvent.commitID(payload.string(at: "before"))))
    }

    /// Gantry's generic hook: `{"commit": "<sha>", "ref": "refs/heads/main", "changed_files": [...]}`.
    static func generic(payload: JSONValue) -> WebhookEvent {
        guard let sha = WebhookEvent.commitID(payload.string(at: "commit")) else {
            return .ignore("the body names no commit (\"commit\": a 40- or 64-hex id)")
        }
        var files: [String]?
        if case .array(let items)? = payload["changed_files"] {
            files = items.compactMap { if case .string(let path) = $0 { path } else { nil } }
        }
        return .run(
            .init(event: "generic", commitSHA: sha, ref: payload.string(at: "ref"), changedFiles: files, baseSHA: nil))
    }
}
