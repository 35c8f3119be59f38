public import Foundation

/// A run a server was asked for (by a webhook or the API), from the moment it is queued until the run
/// it became has finished. The run's own record (`RunRecord`) exists once it starts.
public struct QueuedRun: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        /// Waiting for a worker.
        case queued
        /// A worker took it; `runID` names the run once the engine has recorded it.
        case started
        /// The run finished (whatever its result); see the run.
        case finished
        /// Nothing to run: its path filters matched no changed file, or the event runs no pipeline.
        case skipped
        /// It could not start (the commit could not be checked out, the pipeline file is invalid…).
        case failed
        /// The server stopped while it ran (`gantry serve` restarted after a crash); run it again.
        case interrupted
        /// Cancelled before it started.
        case cancelled

        public var description: String { rawValue }
    }

    /// `q_…`, also the trigger id a webhook answer returns.
    public var id: String
    public var project: String
    /// The exact commit the run checks out (never a branch tip).
    public var commitSHA: String
    /// `refs/heads/main`, `refs/pull/7/head`, … as the event named it.
    public var ref: String?
    /// `push`, `pull_request`, `api`, …
    public var event: String
    /// `github`, `gitlab`, `generic`, `api`.
    public var source: String
    /// Files the event says changed (for path filters); nil when unknown.
    public var changedFiles: [String]?
    /// The commit to diff against when the event lists no files (a pull request's base, a push's
    /// `before`): the worker computes the changed files with `git diff` then.
    public var baseSHA: String?
    public var status: Status
    public var queuedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var runID: String?
    /// Why it was skipped or failed, for people.
    public var detail: String?
    /// Who asked (a token's user, or the forge).
    public var requestedBy: String

    public init(
        id: String, project: String, commitSHA: String, ref: String?, event: String, source: String,
        changedFiles: [String]? = nil, baseSHA: String? = nil, status: Status = .queued, queuedAt: Date,
        startedAt: Date? = nil, finishedAt: Date? = nil, runID: String? = nil, detail: String? = nil,
        requestedBy: String
    ) {
        self.baseSHA = baseSHA
        self.id = id
        self.project = project
        self.commitSHA = commitSHA
        self.ref = ref
        self.event = event
        self.source = source
        self.changedFiles = changedFiles
        self.status = status
        self.queuedAt = queuedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.runID = runID
        self.detail = detail
        self.requestedBy = requestedBy
    }
}

/// A webhook delivery id as the forge sent it (`X-GitHub-Delivery`, GitLab's `X-Gitlab-Event-UUID`):
/// seen once, so a redelivery or a replay starts nothing.
public struct WebhookDelivery: Sendable, Codable, Hashable {
    public var source: String
    public var deliveryID: String
    public var project: String
    public var receivedAt: Date

    public init(source: String, deliveryID: String, project: String, receivedAt: Date) {
        self.source = source
        self.deliveryID = deliveryID
        self.project = project
        self.receivedAt = receivedAt
    }
}

/// Which runs to list, newest first, one page at a time.
public struct RunQuery: Sendable, Hashable {
    public var status: RunStatus?
    public var project: String?
    public var pipeline: String?
    /// Only runs older than this position (the last run of the previous page).
    public var before: RunCursor?
    public var limit: Int

    public init(
        status: RunStatus? = nil, project: String? = nil, pipeline: String? = nil, before: RunCursor? = nil,
        limit: Int = 20
    ) {
        self.status = status
        self.project = project
        self.pipeline = pipeline
        self.before = before
        self.limit = limit
    }
}

/// A position in the newest-first list of runs: a run's start time and id.
public struct RunCursor: Sendable, Hashable {
    public var startedAt: Date
    public var id: String

    public init(startedAt: Date, id: String) {
        self.startedAt = startedAt
        self.id = id
    }

    /// The cursor after `run`.
    public init(after run: RunRecord) { self.init(startedAt: run.startedAt, id: run.id) }
}
