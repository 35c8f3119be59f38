public import Artifacts
import Foundation
import GantryCore

/// What an artifact's attached provenance says about where it came from — commit, branch, tree state,
/// build time, run — and its content size. Read without checking signatures: for listing and display
/// (`gantry artifact list|inspect`, the server's artifact pages), never for a gate.
public struct ArtifactOrigin: Sendable, Hashable {
    /// The layers' size (the packed tar).
    public var contentSize: Int64
    public var commit: String?
    public var branch: String?
    /// `clean` or `dirty`.
    public var treeState: String?
    public var builtAt: String?
    /// The run's correlation id.
    public var invocation: String?

    public init(_ artifact: StoredArtifact, store: ArtifactStore) {
        contentSize = (try? store.manifest(of: artifact).layers.reduce(Int64(0)) { $0 + $1.size }) ?? 0
        let provenance = Verifier(store: store, keys: []).unverifiedProvenance(of: artifact)
        commit = provenance?.commit
        branch = provenance?.gitReference.map { $0.replacingOccurrences(of: "refs/heads/", with: "") }
        treeState = provenance?.treeState
        builtAt = provenance?.runDetails.metadata.finishedOn
        invocation = provenance?.runDetails.metadata.invocationId
    }
}
