import Foundation
public import GantryCore

/// A build-avoidance entry: a job whose key was seen with success, and what to restore.
public struct AvoidanceEntry: Sendable, Hashable {
    public var key: String
    public var jobID: String
    /// JSON object of the job's outputs.
    public var outputs: String
    /// Digest of the saved `cache.paths` snapshot, if the job had any.
    public var snapshotDigest: Digest?
    /// The run that produced it.
    public var runID: String

    public init(key: String, jobID: String, outputs: String, snapshotDigest: Digest?, runID: String) {
        self.key = key
        self.jobID = jobID
        self.outputs = outputs
        self.snapshotDigest = snapshotDigest
        self.runID = runID
    }
}
