public import Foundation
import GantryCore
public import StateModel

/// Retention for caches, build avoidance and job artifacts (`gantry gc`): expires entries nobody
/// used for a while, then deletes the snapshot blobs nothing points at any more.
public struct CacheCollector: Sendable {
    let store: any StateRepositories
    let snapshots: SnapshotStore

    public init(store: any StateRepositories, snapshots: SnapshotStore) {
        self.store = store
        self.snapshots = snapshots
    }

    /// What a collection removed (or would remove).
    public struct Report: Sendable {
        public var expired: CacheExpiry
        public var blobs: [(digest: String, size: Int64)]
        public var bytesFreed: Int64 { blobs.reduce(0) { $0 + $1.size } }
    }

    /// Expires cache and avoidance entries unused for `unusedFor` and job artifacts older than
    /// `artifactsFor`, then sweeps unreferenced blobs older than `grace` (a run may be writing a fresh
    /// one). With `dryRun`, nothing changes and the report says what would go.
    public func collect(
        unusedFor: Duration, artifactsFor: Duration, grace: Duration = .seconds(600), dryRun: Bool,
        now: Date = Date()
    ) async throws -> Report {
        let unusedSince = now.addingTimeInterval(-Double(unusedFor.components.seconds))
        let artifactsBefore = now.addingTimeInterval(-Double(artifactsFor.components.seconds))
        let expired = try await store.expireCache(
            unusedSince: unusedSince, artifactsBefore: artifactsBefore, dryRun: dryRun)
        let referenced =
            dryRun
            ? try await store.referencedSnapshots(unusedSince: unusedSince, artifactsBefore: artifactsBefore)
            : try await store.referencedSnapshots(unusedSince: nil, artifactsBefore: nil)
        let folder = snapshots.root.appendingPathComponent("blobs/sha256")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let oldEnough = now.addingTimeInterval(-Double(grace.components.seconds))
        var swept: [(digest: String, size: Int64)] = []
        for name in names.sorted() {
            let digest = "sha256:\(name)"
            guard !referenced.contains(digest) else { continue }
            let url = folder.appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                let modified = attributes[.modificationDate] as? Date, modified < oldEnough
            else { continue }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            if !dryRun {
                do {
                    try FileManager.default.removeItem(at: url)
                } catch {
                    throw InfrastructureError("cannot delete cache blob \(url.path): \(FileErrorText.describe(error))")
                }
            }
            swept.append((digest, size))
        }
        if !dryRun { try await store.forgetSnapshotOrigins(swept.map(\.digest)) }
        return Report(expired: expired, blobs: swept)
    }
}
