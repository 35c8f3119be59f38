import Foundation
public import Processes
public import StateModel

/// Runs job assignments. The local executor runs them in this process; a remote agent will implement
/// the same protocol, receiving the assignment as JSON and streaming the log back.
public protocol JobExecutor: Sendable {
    /// Runs the assignment's steps, with the retries its job allows, writing output and events to
    /// `log`; never throws: every problem becomes the report's status and reason. `cancellation`
    /// stops this job (it follows the run's: a matrix's fail-fast stops one job, Ctrl-C all).
    func execute(_ assignment: JobAssignment, log: any JobLogSink, cancellation: CancellationFlag) async
        -> JobExecutionReport
}

/// How an assignment ended.
public struct JobExecutionReport: Sendable {
    public var status: JobStatus
    /// Why, when it did not succeed.
    public var reason: String?
    /// The job's `outputs:`, rendered after success.
    public var outputs: [String: String]
    public var attempts: [AttemptRecord]
}

/// Where a job's output lines and events go: a JSONL file today (`JobLogWriter`), a network stream
/// from an agent later.
public protocol JobLogSink: Sendable {
    /// The constant part of a line record for one step attempt and stream.
    func linePrefix(step: String, attempt: Int, stream: ProcessStream) -> [UInt8]
    /// Output lines (already masked) that arrived together.
    func lines(prefix: [UInt8], _ batch: LineBatch)
    /// A lifecycle event; `fields` are pre-encoded JSON values.
    func event(_ name: String, step: String?, attempt: Int?, fields: [(String, String)])
    /// Makes everything written so far durable enough to be read.
    func flush()
}

extension JobLogSink {
    /// A lifecycle event without fields.
    func event(_ name: String, step: String? = nil, attempt: Int? = nil) {
        event(name, step: step, attempt: attempt, fields: [])
    }
}
