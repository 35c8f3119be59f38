import Foundation
import Pipeline

/// The trigger a run of a GitLab CI file stands for here, read from the checkout with the real `git`:
/// its commit, branch (or tag, for a detached checkout at one), default branch, commit message, and
/// the event (a push unless the server says otherwise, or `--var CI_PIPELINE_SOURCE=…`). Outside a git
/// repository it is a push to the default branch.
public enum LocalTrigger {
    /// - Parameters:
    ///   - branch: the branch the triggering event named, when git cannot tell (a server's detached
    ///     checkout); nil reads it from the checkout.
    ///   - source: GitLab's word for the event (`CI_PIPELINE_SOURCE`).
    public static func read(
        workspace: URL, branch: String? = nil, source: String = "push", changedFiles: [String]? = nil,
        variables: [String: String] = [:]
    ) async -> PipelineTrigger {
        async let head = GitInfo.head(in: workspace)
        async let message = try? GitInfo.git(["log", "-1", "--format=%B"], in: workspace)
        async let originHead = try? GitInfo.git(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], in: workspace)
        let (sha, headBranch) = await head
        var trigger = PipelineTrigger(
            sha: sha, branch: branch ?? headBranch, source: source, changedFiles: changedFiles, variables: variables)
        if trigger.branch == nil, sha != nil {
            trigger.tag = try? await GitInfo.git(["describe", "--exact-match", "--tags", "HEAD"], in: workspace)
        }
        if let originHead = await originHead, let slash = originHead.firstIndex(of: "/") {
            trigger.defaultBranch = String(originHead[originHead.index(after: slash)...])
        } else if let current = trigger.branch, ["main", "master", "trunk", "develop"].contains(current) {
            // Without a remote, a repository's own main line is its default branch.
            trigger.defaultBranch = current
        }
        // `--var CI_PIPELINE_SOURCE=merge_request_event` (or CI_COMMIT_BRANCH, CI_COMMIT_TAG) asks for
        // another pipeline than this checkout's push: only/except and the predefined variables follow.
        if let source = variables["CI_PIPELINE_SOURCE"], !source.isEmpty { trigger.source = source }
        if let tag = variables["CI_COMMIT_TAG"], !tag.isEmpty {
            trigger.tag = tag
            trigger.branch = nil
        } else if let branch = variables["CI_COMMIT_BRANCH"], !branch.isEmpty {
            trigger.branch = branch
        }
        if trigger.sha == nil, trigger.branch == nil, trigger.tag == nil {
            // Outside a git repository: a push to the default branch, as GitLab's lint assumes.
            trigger.branch = trigger.defaultBranch
        }
        if let message = await message, !message.isEmpty {
            trigger.commitMessage = message
            trigger.commitTitle = message.split(separator: "\n", maxSplits: 1).first.map(String.init)
        }
        return trigger
    }

    /// The pipeline at `path`, as `gantry run`, `plan` and `validate` read it: a GitLab CI file for
    /// this checkout's trigger (read first when the file's name says GitLab, so the file is parsed
    /// once), anything else as it is.
    /// A `gantry.yml`'s templates are read with git (`GitTemplates`); one that is not pinned is an
    /// error when `requirePinnedTemplates` (by default: `CI=true`). A workflow's vendored actions are
    /// read from `actionsDirectory` (by default: `GANTRY_ACTIONS`), a GitLab CI file's project includes
    /// from the mirrors in `gitLabProjects` (by default: `GANTRY_GITLAB_PROJECTS`).
    public static func loadPipeline(
        path: String, branch: String? = nil, source: String = "push", changedFiles: [String]? = nil,
        variables: [String: String] = [:],
        requirePinnedTemplates: Bool = ProcessInfo.processInfo.environment["CI"] == "true",
        actionsDirectory: URL? = ProcessInfo.processInfo.environment["GANTRY_ACTIONS"].map { URL(fileURLWithPath: $0) },
        gitLabProjects: URL? = ProcessInfo.processInfo.environment["GANTRY_GITLAB_PROJECTS"].map {
            URL(fileURLWithPath: $0)
        },
        githubEvent: String? = nil
    ) async throws -> PipelineDefinition {
        func trigger() async -> PipelineTrigger {
            await read(
                workspace: PipelineFormat.workspace(forFile: path).standardizedFileURL, branch: branch, source: source,
                changedFiles: changedFiles, variables: variables)
        }
        if PipelineFormat.isGitLabFileName(path) {
            return try await loadGitLab(path: path, trigger: await trigger(), mirrors: gitLabProjects)
        }
        let definition = try await PipelineParser.load(
            path: path, templates: GitTemplates(requirePinned: requirePinnedTemplates),
            actionsDirectory: actionsDirectory)
        switch definition.format {
        case .gitlab:
            // A GitLab CI file known by its content: its rules decide which jobs this pipeline holds.
            return try await loadGitLab(path: path, trigger: await trigger(), mirrors: gitLabProjects)
        case .gantry where definition.decidedPerTrigger:
            // Converted from a GitLab CI file: its rules decide which jobs this pipeline holds.
            return try await PipelineParser.load(
                path: path, trigger: await trigger(), templates: GitTemplates(requirePinned: requirePinnedTemplates),
                actionsDirectory: actionsDirectory)
        case .github where definition.workflowFiltersRefs:
            // Its branch and tag filters decide whether it runs for the checkout (and --event): read
            // again with them (git is asked only for a workflow that filters).
            var workflowTrigger = await trigger()
            workflowTrigger.githubEvent = githubEvent
            return try await PipelineParser.load(
                path: path, trigger: workflowTrigger,
                templates: GitTemplates(requirePinned: requirePinnedTemplates),
                actionsDirectory: actionsDirectory)
        default:
            return definition
        }
    }

    /// A GitLab CI file with the files of other projects its includes name, fetched from `mirrors`
    /// as parses ask for them (an included project file may include others), at most 10 rounds.
    static func loadGitLab(path: String, trigger: PipelineTrigger, mirrors: URL?) async throws -> PipelineDefinition {
        var files: [GitLabProjectFile: String] = [:]
        var definition = try PipelineParser.load(path: path, trigger: trigger)
        guard let mirrors else { return definition }
        for _ in 0..<10 {
            let missing = definition.gitLabProjectRequests.filter { files[$0.file] == nil }
            guard !missing.isEmpty else { break }
            files.merge(try await GitLabProjects(mirrors: mirrors).fetch(missing)) { $1 }
            definition = try PipelineParser.load(path: path, trigger: trigger, projectFiles: files)
        }
        return definition
    }

    /// GitLab's `CI_PIPELINE_SOURCE` for a forge event Gantry's server received.
    public static func source(forEvent event: String?) -> String {
        switch event {
        case "pull_request", "merge_request", "merge_request_event": "merge_request_event"
        case "schedule": "schedule"
        case "api": "api"
        case "web", "manual": "web"
        default: "push"
        }
    }
}
