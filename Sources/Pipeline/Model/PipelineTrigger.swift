/// What a pipeline is being read for: the commit, branch or tag and event that started it. A GitLab CI
/// file is read into a concrete pipeline for one trigger, as GitLab creates one (its `rules:`,
/// `only:`/`except:` and `workflow:rules` decide which jobs it holds, and its predefined `CI_*`
/// variables come from here). A `gantry.yml` and a GitHub workflow do not depend on it.
public struct PipelineTrigger: Sendable, Hashable {
    /// The commit; nil when the workspace is not a git repository.
    public var sha: String?
    /// The branch; nil for a detached checkout or a tag pipeline.
    public var branch: String?
    /// The tag, for a tag pipeline.
    public var tag: String?
    /// The repository's default branch (`CI_DEFAULT_BRANCH`).
    public var defaultBranch: String
    /// The event, in GitLab's words (`CI_PIPELINE_SOURCE`): `push`, `merge_request_event`, `web`,
    /// `schedule`, `api`, `trigger`…
    public var source: String
    /// The commit message's first line and the whole message, when known.
    public var commitTitle: String?
    public var commitMessage: String?
    /// Files changed by the push; nil when unknown (then `rules:changes` is true, as on GitLab for a
    /// pipeline that has no push to compare with).
    public var changedFiles: [String]?
    /// Variables given for this pipeline (`--var NAME=VALUE`), as a pipeline's run variables; they
    /// override the file's.
    public var variables: [String: String]
    /// The event a GitHub workflow runs for (`--event`); nil: `push` when it runs on pushes, else its
    /// first event. Its `on.<event>` branch and tag filters decide whether the workflow runs at all.
    public var githubEvent: String?

    public init(
        sha: String? = nil, branch: String? = nil, tag: String? = nil, defaultBranch: String = "main",
        source: String = "push", commitTitle: String? = nil, commitMessage: String? = nil,
        changedFiles: [String]? = nil, variables: [String: String] = [:]
    ) {
        self.sha = sha
        self.branch = branch
        self.tag = tag
        self.defaultBranch = defaultBranch
        self.source = source
        self.commitTitle = commitTitle
        self.commitMessage = commitMessage
        self.changedFiles = changedFiles
        self.variables = variables
    }
}
