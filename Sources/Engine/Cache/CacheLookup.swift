import Foundation
import GantryCore
import Pipeline
import StateModel

/// Which cache snapshot a job in a workspace may restore: the rules the run applies and `gantry plan`
/// predicts.
///
/// A snapshot whose files name the workspace's absolute path is saved under `key@<workspace>` and
/// restored only there; a shared snapshot is not restored into another workspace when its files name
/// the one it was saved in (a venv restored into another clone would run that clone's code).
struct CacheLookup {
    let store: any StateRepositories
    /// The workspace's standardized absolute path.
    let workspace: String

    init(store: any StateRepositories, workspace: URL) {
        self.store = store
        self.workspace = workspace.standardizedFileURL.path
    }

    /// `key` for this workspace only.
    func workspaceKey(_ key: String) -> String { "\(key)@\(workspace)" }

    /// The snapshot saved under `key` that may be restored here and the entry it came from; `refused`
    /// names the workspace a shared snapshot is bound to when that is why there is none.
    func exact(_ key: String) async throws -> (digest: Digest?, refused: String?, entry: String?) {
        if let own = try await store.cacheDigest(forKey: workspaceKey(key)) {
            return (own, nil, workspaceKey(key))
        }
        guard let shared = try await store.cacheDigest(forKey: key) else {
            return (nil, nil, nil)
        }
        if let elsewhere = try await boundElsewhere(shared) { return (nil, elsewhere, nil) }
        return (shared, nil, key)
    }

    /// The newest entry whose key starts with one of `prefixes` (tried in order) that may be restored
    /// here, as GitHub's `actions/cache` does with `restore-keys` on a miss: its key and snapshot.
    func partial(_ prefixes: [String]) async throws -> (key: String, digest: Digest, entry: String)? {
        let own = "@\(workspace)"
        for prefix in prefixes where !prefix.isEmpty {
            for entry in try await store.cacheEntries(withPrefix: prefix, limit: 50) {
                let digest = entry.digest
                guard try await boundElsewhere(digest) == nil else { continue }
                let key = entry.key.hasSuffix(own) ? String(entry.key.dropLast(own.count)) : entry.key
                return (key, digest, entry.key)
            }
        }
        return nil
    }

    /// What avoiding a job with `entry` would reuse, or nil when it cannot be: its snapshot names
    /// another workspace, or the job hands on artifacts (`declaresArtifacts`) and the run that made
    /// the entry stored none for `job`, or their blobs are gone (its dependants would miss the files).
    /// The run and `gantry plan` decide with this one rule.
    func reusableArtifacts(
        of entry: AvoidanceEntry, job: String, declaresArtifacts: Bool, snapshots: SnapshotStore
    ) async throws -> [JobArtifactRecord]? {
        if let digest = entry.snapshotDigest, try await boundElsewhere(digest) != nil { return nil }
        guard declaresArtifacts else { return [] }
        let stored = try await store.jobArtifacts(runID: entry.runID, jobIDs: nil).filter { $0.job == job }
        guard !stored.isEmpty,
            stored.allSatisfy({ FileManager.default.fileExists(atPath: snapshots.blobURL($0.digest).path) })
        else { return nil }
        return stored
    }

    /// The other workspace a snapshot's files point into, or nil when it may be restored here.
    func boundElsewhere(_ digest: Digest) async throws -> String? {
        guard let origin = try await store.snapshotOrigin(digest: digest), origin.pathBound,
            origin.workspace != workspace
        else { return nil }
        return origin.workspace
    }
}
