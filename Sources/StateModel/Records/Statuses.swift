/// The final state of a job in a run, as the engine reports it and the state stores it.
public enum JobStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case success
    case failure
    case skipped
    /// Build avoidance: the job's key was seen with success, so its outputs were restored instead.
    case cached
    case timedOut = "timed_out"
    case cancelled
    /// Every allowed retry was used and the last attempt still failed.
    case retriesExhausted = "retries_exhausted"

    public var description: String { rawValue }
}

/// How one step ended.
public enum StepStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case success, failure, skipped
    case timedOut = "timed_out"
    case cancelled

    public var description: String { rawValue }
}

/// The overall status of a run.
public enum RunStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case running, success, failure, cancelled
    /// Its process died while it ran (kill -9, a crash); closed by a later command.
    case abandoned

    public var description: String { rawValue }
}
