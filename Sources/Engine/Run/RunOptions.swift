public import Foundation
public import Pipeline

/// Everything `gantry run` can be told.
public struct RunOptions: Sendable {
    /// The pipeline file.
    public var file: String
    /// Where state lives (`.gantry/` of the current directory, or `GANTRY_HOME`).
    public var stateDirectory: URL
    /// `--job`: run these jobs (ids or concrete names) and what they need.
    public var selectedJobs: [String] = []
    /// Files changed since `--since`; nil disables path filters.
    public var changedFiles: [String]? = nil
    /// At most this many jobs at once.
    public var parallel: Int = ProcessInfo.processInfo.activeProcessorCount
    /// `--no-cache`: neither restore nor save caches, and ignore build avoidance.
    public var useCache: Bool = true
    /// Secret name → value.
    public var secrets: [String: String] = [:]
    /// Time between SIGTERM and SIGKILL for timeouts and cancellation.
    public var killGrace: Duration = .seconds(5)
    /// Skip what a workflow needs but this machine cannot run (containers, other runners, actions
    /// that are not available) instead of refusing the run.
    public var skipUnsupported = false
    /// The key ID of the signing key packs use (`unsigned` without one, `unreadable` when it cannot
    /// be loaded): part of the avoidance key of jobs that pack. Set by the composition root.
    public var signingKeyID: String = "unsigned"
    /// The environment jobs inherit (gantry's own, minus `GANTRY_SECRET_*`).
    public var baseEnvironment: [String: String] = ProcessInfo.processInfo.environment
    /// The server project the run is for (recorded with the run); nil for `gantry run`.
    public var project: String? = nil
    /// The branch the triggering event named (`gantry serve` checks out a detached commit, whose
    /// branch git cannot tell); nil: the checkout's own branch.
    public var branch: String? = nil
    /// The event that started the run, in GitLab's words (`push`, `merge_request_event`, `schedule`…):
    /// a GitLab CI file's `CI_PIPELINE_SOURCE`. Nil: a push.
    public var event: String? = nil
    /// `--var NAME=VALUE`: pipeline variables a GitLab CI file's jobs and rules see, over its own.
    public var variables: [String: String] = [:]
    /// A GitHub workflow's event (`github.event_name`; nil: `push` when it runs on pushes, else its
    /// first event) and payload (`github.event`, e.g. a pull_request webhook's body).
    public var githubEvent: String? = nil
    public var githubEventPayload: ExpressionValue? = nil
    /// Refuse a `gantry.yml` template that is not pinned (a branch, no version): with `CI=true`, and
    /// always for the server's runs.
    public var requirePinnedTemplates = ProcessInfo.processInfo.environment["CI"] == "true"

    public init(file: String, stateDirectory: URL) {
        self.file = file
        self.stateDirectory = stateDirectory
    }
}
