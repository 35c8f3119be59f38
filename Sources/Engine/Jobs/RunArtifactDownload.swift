import Foundation
import GantryCore
import Processes
import StateModel

/// Puts the files of a run's job artifacts in a directory (`gantry runs download`).
public struct RunArtifactDownload: Sendable {
    private let snapshots: SnapshotStore

    /// `snapshots` holds the blobs the records point at.
    public init(snapshots: SnapshotStore) {
        self.snapshots = snapshots
    }

    /// Extracts `record`'s files under `directory` (created if needed); returns how many it placed.
    /// Nothing is written through a symbolic link that leads out of `directory`.
    public func download(_ record: JobArtifactRecord, into directory: URL) async throws -> Int {
        let digest = record.digest
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError("cannot create \(directory.path): \(FileErrorText.describe(error))")
        }
        return try await snapshots.restoreFiles(digest, workspace: directory)
    }
}
