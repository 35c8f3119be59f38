public import Foundation
public import GantryCore

/// One row of `runs`: a pipeline execution.
public struct RunRecord: Codable, Sendable, Hashable {
    public var id: String
    public var correlation: String
    public var pipelineName: String
    public var pipelineFile: String
    public var pipelineDigest: String
    /// `running`, `success`, `failure`, `cancelled`, `abandoned` (its process died while it ran).
    public var status: RunStatus
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMs: Int64?
    public var commitSHA: String?
    public var branch: String?
    /// JSON object of tool name → version (gantry, bash, git, swift…).
    public var toolVersions: String
    /// The process running it (nil for runs recorded before owners were).
    public var owner: ProcessIdentity?
    /// Uncommitted changes of the working tree when it started: empty when clean, nil when unknown.
    public var uncommittedChanges: [String]?
    /// The server project it ran for; nil for `gantry run` in a checkout.
    public var project: String?

    public init(
        id: String, correlation: String, pipelineName: String, pipelineFile: String, pipelineDigest: String,
        status: RunStatus, startedAt: Date, finishedAt: Date? = nil, durationMs: Int64? = nil, commitSHA: String? = nil,
        branch: String? = nil, toolVersions: String = "{}", owner: ProcessIdentity? = nil,
        uncommittedChanges: [String]? = nil, project: String? = nil
    ) {
        self.project = project
        self.owner = owner
        self.uncommittedChanges = uncommittedChanges
        self.id = id
        self.correlation = correlation
        self.pipelineName = pipelineName
        self.pipelineFile = pipelineFile
        self.pipelineDigest = pipelineDigest
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.commitSHA = commitSHA
        self.branch = branch
        self.toolVersions = toolVersions
    }
}

/// One row of `jobs`: the outcome of one concrete job in a run, with its attempts and steps.
public struct JobRecord: Codable, Sendable, Hashable {
    public var runID: String
    public var name: String
    public var jobID: String
    /// `success`, `failure`, `skipped`, `cached`, `timed_out`, `cancelled`, `retries_exhausted`.
    public var status: JobStatus
    public var attempts: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int64
    /// `hit`, `miss`, or nil when the job has no cache.
    public var cache: String?
    /// Why the job was skipped or failed, for people.
    public var reason: String?
    /// JSON object of the job's outputs.
    public var outputs: String
    public var attemptRecords: [AttemptRecord]

    public init(
        runID: String, name: String, jobID: String, status: JobStatus, attempts: Int, startedAt: Date?,
        finishedAt: Date?, durationMs: Int64, cache: String?, reason: String?, outputs: String,
        attemptRecords: [AttemptRecord]
    ) {
        self.runID = runID
        self.name = name
        self.jobID = jobID
        self.status = status
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.cache = cache
        self.reason = reason
        self.outputs = outputs
        self.attemptRecords = attemptRecords
    }
}

/// One attempt of a job.
public struct AttemptRecord: Codable, Sendable, Hashable {
    public var number: Int
    public var status: JobStatus
    public var startedAt: Date
    public var durationMs: Int64
    public var steps: [StepRecord]

    public init(number: Int, status: JobStatus, startedAt: Date, durationMs: Int64, steps: [StepRecord]) {
        self.number = number
        self.status = status
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.steps = steps
    }
}

/// One step within an attempt.
public struct StepRecord: Codable, Sendable, Hashable {
    public var index: Int
    public var name: String
    public var status: StepStatus
    public var exitCode: Int32?
    public var signal: Int32?
    public var durationMs: Int64

    public init(index: Int, name: String, status: StepStatus, exitCode: Int32?, signal: Int32?, durationMs: Int64) {
        self.index = index
        self.name = name
        self.status = status
        self.exitCode = exitCode
        self.signal = signal
        self.durationMs = durationMs
    }
}

/// One planned job of a run and the jobs it needs: the run's DAG, recorded as it starts.
public struct RunGraphNode: Codable, Sendable, Hashable {
    public var name: String
    public var needs: [String]
    /// Depth in the DAG (0: needs nothing).
    public var level: Int

    public init(name: String, needs: [String], level: Int) {
        self.name = name
        self.needs = needs
        self.level = level
    }
}

/// How one job of a run ended, without its attempts and steps (pipeline health over many runs).
public struct JobOutcome: Sendable, Hashable {
    public var runID: String
    public var name: String
    public var status: JobStatus
    public var attempts: Int
    public var durationMs: Int64

    public init(runID: String, name: String, status: JobStatus, attempts: Int, durationMs: Int64) {
        self.runID = runID
        self.name = name
        self.status = status
        self.attempts = attempts
        self.durationMs = durationMs
    }
}
