/// Receives a run's progress: the console, tests, and later the server's live log stream.
///
/// Calls may come from several threads at once; implementations synchronise themselves.
public protocol RunObserver: Sendable {
    func runStarted(runID: String, jobs: [String])
    func jobStarted(_ name: String)
    func jobRetrying(_ name: String, attempt: Int, delay: Duration, reason: String)
    func jobFinished(_ result: JobResult)
    /// One masked output line of a job's step.
    func outputLine(job: String, stream: OutputStream, _ line: UnsafeRawBufferPointer)
    func runFinished(_ result: RunResult)
}

/// An observer that ignores everything.
public struct SilentObserver: RunObserver {
    public init() {}
    public func runStarted(runID: String, jobs: [String]) {}
    public func jobStarted(_ name: String) {}
    public func jobRetrying(_ name: String, attempt: Int, delay: Duration, reason: String) {}
    public func jobFinished(_ result: JobResult) {}
    public func outputLine(job: String, stream: OutputStream, _ line: UnsafeRawBufferPointer) {}
    public func runFinished(_ result: RunResult) {}
}
