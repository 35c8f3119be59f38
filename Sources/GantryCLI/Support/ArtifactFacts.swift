import Artifacts
import Attestation
import Foundation
import GantryCore

/// What `artifact list` and `inspect` say about an artifact besides its digest: its content size, and
/// where it came from according to its provenance (commit, branch, tree state, build time, run).
struct ArtifactFacts {
    /// The layers' size (the packed tar).
    var contentSize: Int64
    var commit: String?
    var branch: String?
    var treeState: String?
    var builtAt: String?
    var invocation: String?

    init(_ artifact: StoredArtifact, store: ArtifactStore) {
        contentSize = (try? store.manifest(of: artifact).layers.reduce(Int64(0)) { $0 + $1.size }) ?? 0
        let provenance = Verifier(store: store, keys: []).unverifiedProvenance(of: artifact)
        commit = provenance?.commit
        branch = provenance?.gitReference.map { $0.replacingOccurrences(of: "refs/heads/", with: "") }
        treeState = provenance?.treeState
        builtAt = provenance?.runDetails.metadata.finishedOn
        invocation = provenance?.runDetails.metadata.invocationId
    }

    /// `1.2 MiB  commit 3fa2c1d09b4e (main, dirty)  built 2026-…`
    var summary: String {
        var parts = [ProgressMeter.bytes(contentSize)]
        if let commit {
            let details = [branch, treeState == "dirty" ? "dirty" : nil].compactMap { $0 }
            parts.append("commit \(commit.prefix(12))\(details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")")
        } else {
            parts.append("no provenance commit")
        }
        if let builtAt { parts.append("built \(builtAt)") }
        return parts.joined(separator: "  ")
    }

    var json: [String: Any] {
        var object: [String: Any] = ["size": contentSize]
        if let commit { object["commit"] = commit }
        if let branch { object["branch"] = branch }
        if let treeState { object["tree"] = treeState }
        if let builtAt { object["built"] = builtAt }
        if let invocation { object["correlation"] = invocation }
        return object
    }
}
