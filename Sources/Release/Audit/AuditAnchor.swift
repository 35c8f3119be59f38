public import Artifacts
public import Attestation
import Foundation
public import StateModel

/// Anchors the audit log outside the database: writes signed checkpoints of its head, and verifies
/// the rows against the newest one.
public struct AuditAnchor: Sendable {
    public var state: any StateRepositories
    public var artifacts: ArtifactStore
    /// Signs checkpoints; without it none are written (and the log is not anchored).
    public var signingKey: SigningKey?
    /// Keys whose checkpoints are trusted.
    public var keys: [VerificationKey]

    public init(
        state: any StateRepositories, artifacts: ArtifactStore, signingKey: SigningKey?, keys: [VerificationKey]
    ) {
        self.state = state
        self.artifacts = artifacts
        self.signingKey = signingKey
        self.keys = keys
    }

    /// Signs and stores a checkpoint of the current head; nil when there is no signing key or no row.
    @discardableResult
    public func checkpoint(reason: String) async throws -> AuditCheckpoint? {
        guard let signingKey, let head = try await state.auditHead() else { return nil }
        let checkpoint = AuditCheckpoint(sequence: head.sequence, head: head.hash, reason: reason)
        try checkpoint.store(in: artifacts, signedWith: signingKey)
        return checkpoint
    }

    /// Verifies the chain, anchored at the newest checkpoint signed by one of `keys` (and by the signing
    /// key's own public half).
    public func verify() async throws -> AuditVerification {
        var trusted = keys
        if let signingKey, !trusted.contains(signingKey.publicKey) { trusted.append(signingKey.publicKey) }
        let newest = try AuditCheckpoint.newest(in: artifacts, keys: trusted)
        return try await state.verifyAudit(anchor: newest.map { (sequence: $0.sequence, hash: $0.head) })
    }
}
