public import Foundation
public import GantryCore

/// Files a job of a run handed on (its `artifacts:`), stored as one tar blob.
public struct JobArtifactRecord: Sendable, Hashable {
    public var runID: String
    /// Unique within the run.
    public var name: String
    /// The concrete job that produced it (or, for an avoided job, reused it).
    public var job: String
    /// The job's id in the pipeline file.
    public var jobID: String
    /// `sha256:…` of the tar blob.
    public var digest: Digest
    public var size: Int64
    public var files: Int
    public var createdAt: Date

    public init(
        runID: String, name: String, job: String, jobID: String, digest: Digest, size: Int64, files: Int,
        createdAt: Date = Date()
    ) {
        self.runID = runID
        self.name = name
        self.job = job
        self.jobID = jobID
        self.digest = digest
        self.size = size
        self.files = files
        self.createdAt = createdAt
    }
}
