import Processes

/// Receives a run's progress: the console, tests, and later the server's live log stream.
///
/// Calls may come from several threads at once; implementations synchronise themselves.
public protocol RunObserver: Sendable {
    func runStarted(runID: String, jobs: [String])
    func jobStarted(_ name: String)
    func jobRetrying(_ name: String, attempt: Int, delay: Duration, reason: String)
    func jobFinished(_ result: JobResult)
    /// Masked output lines of a job's step, as they arrived in one read.
    func outputLines(job: String, stream: ProcessStream, _ lines: LineBatch)
    func runFinished(_ result: RunResult)
    /// Something the user should know before the run starts (what `--skip-unsupported` skipped).
    func warning(_ text: String)
}

extension RunObserver {
    public func warning(_ text: String) {}
}

/// An observer that ignores everything.
public struct SilentObserver: RunObserver {
    public init() {}
    public func runStarted(runID: String, jobs: [String]) {}
    public func jobStarted(_ name: String) {}
    public func jobRetrying(_ name: String, attempt: Int, delay: Duration, reason: String) {}
    public func jobFinished(_ result: JobResult) {}
    public func outputLines(job: String, stream: ProcessStream, _ lines: LineBatch) {}
    public func runFinished(_ result: RunResult) {}
}
