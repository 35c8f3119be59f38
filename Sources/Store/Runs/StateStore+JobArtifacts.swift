import Foundation
import GRDB

extension StateStore {
    /// Records an artifact of a run; fails with a clear message when the run already has one by that name.
    public func addJobArtifact(_ record: JobArtifactRecord) throws {
        try write("record a job artifact") { db in
            if let holder = try String.fetchOne(
                db, sql: "SELECT job FROM jobArtifacts WHERE runID = ? AND name = ?",
                arguments: [record.runID, record.name])
            {
                throw StoreError(
                    "artifact name '\(record.name)' is already used by job '\(holder)' in this run: give each job (and each matrix combination) its own name, e.g. with ${{ matrix.… }}"
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO jobArtifacts (runID, name, job, jobID, digest, size, files, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.runID, record.name, record.job, record.jobID, record.digest, record.size, record.files,
                    record.createdAt,
                ])
        }
    }

    /// A run's artifacts, in the order they were stored; only those of `jobIDs` when given.
    public func jobArtifacts(runID: String, jobIDs: [String]? = nil) throws -> [JobArtifactRecord] {
        try read("read job artifacts") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM jobArtifacts WHERE runID = ? ORDER BY createdAt, rowid", arguments: [runID]
            ).map {
                JobArtifactRecord(
                    runID: $0["runID"], name: $0["name"], job: $0["job"], jobID: $0["jobID"],
                    digest: try Self.digest($0, "digest"), size: $0["size"], files: $0["files"],
                    createdAt: $0["createdAt"])
            }.filter { record in jobIDs.map { $0.contains(record.jobID) } ?? true }
        }
    }
}
