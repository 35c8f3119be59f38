public import StateModel

extension JobStatus {
    /// Whether jobs that need this one may run (by default `if: success()`).
    var satisfiesNeeds: Bool { self == .success || self == .cached }

    /// The value of `needs.<job>.result`: success, failure, cancelled or skipped.
    public var resultValue: String {
        switch self {
        case .success, .cached: "success"
        case .failure, .timedOut, .retriesExhausted: "failure"
        case .skipped: "skipped"
        case .cancelled: "cancelled"
        }
    }
}

/// The outcome of one concrete job.
public struct JobResult: Sendable {
    public var name: String
    public var jobID: String
    public var status: JobStatus
    public var attempts: Int
    public var durationMs: Int64
    public var outputs: [String: String]
    /// Why it was skipped or failed, for people (already masked).
    public var reason: String?
    /// Skipped by a path filter or GitLab rules: counts as satisfied for the jobs that need it.
    public var skipSatisfiesNeeds: Bool = false
    /// A failure that `continue-on-error` allows.
    public var continueOnError: Bool = false
    /// `hit`, `miss`, or nil without a cache.
    public var cache: String?

    /// Whether more than one attempt was made.
    public var retried: Bool { attempts > 1 }

    /// Whether this job makes the run fail.
    public var failsRun: Bool {
        switch status {
        case .failure, .timedOut, .retriesExhausted: !continueOnError
        default: false
        }
    }
}

/// The outcome of a whole run.
public struct RunResult: Sendable {
    public var runID: String
    public var correlation: String
    public var status: RunStatus
    /// Jobs in plan order (skipped ones included).
    public var jobs: [JobResult]
    public var durationMs: Int64
    public var logDirectory: String
}
