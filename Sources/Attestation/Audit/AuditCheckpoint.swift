public import Artifacts
public import Foundation
import GantryCore

/// A signed statement of the audit log's head — its newest row and that row's hash — kept outside the
/// state database: as an artifact of its own (`gantry-audit`, tagged `checkpoint-<row>`) in the OCI
/// store, which `gantry artifact push` can copy to a registry.
///
/// Whoever can write the database can recompute a hash chain; they cannot sign a checkpoint without
/// the signing key, so `audit verify` against the newest checkpoint detects a rewritten chain, a
/// dropped tail and an emptied log.
public struct AuditCheckpoint: Codable, Sendable, Hashable {
    /// The application name checkpoints are stored under.
    public static let app = "gantry-audit"
    /// The DSSE payload type.
    public static let payloadType = "application/vnd.gantry.audit-checkpoint.v1+json"
    static let fileName = "checkpoint.dsse.json"

    /// The newest row it covers (rows 1…sequence).
    public var sequence: Int64
    /// That row's hash.
    public var head: String
    /// When it was made (UTC ISO 8601).
    public var createdAt: String
    /// Why: `promote`, `rollback`, `reject`, `checkpoint` (on demand).
    public var reason: String

    public init(sequence: Int64, head: String, createdAt: String = Timestamp.iso8601(Date()), reason: String) {
        self.sequence = sequence
        self.head = head
        self.createdAt = createdAt
        self.reason = reason
    }

    /// Signs the checkpoint and stores it in `store`; returns the artifact's digest.
    @discardableResult
    public func store(in store: ArtifactStore, signedWith key: SigningKey) throws -> Digest {
        let envelope = try DSSEEnvelope.sign(try CanonicalJSON.encode(self), type: Self.payloadType, with: key)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gantry-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try CanonicalJSON.encode(envelope).write(to: folder.appendingPathComponent(Self.fileName))
        return try store.pack(folder, app: Self.app, tag: "checkpoint-\(sequence)", packer: DirectoryPacker(mtime: 0))
            .digest
    }

    /// The newest checkpoint in `store` whose signature verifies with one of `keys`, or nil when there
    /// is none. Checkpoints whose signature does not verify are ignored (they prove nothing).
    public static func newest(in store: ArtifactStore, keys: [VerificationKey]) throws -> AuditCheckpoint? {
        guard !keys.isEmpty else { return nil }
        // Newest first by the row number in the tag; the first one that verifies wins (the signed
        // payload's own sequence is what counts, not the tag).
        func rows(_ artifact: StoredArtifact) -> Int64 {
            artifact.tags.compactMap { Int64($0.dropFirst("checkpoint-".count)) }.max() ?? -1
        }
        let candidates = try store.artifacts().filter { $0.app == app }.sorted { rows($0) > rows($1) }
        for artifact in candidates {
            if let checkpoint = try? read(artifact, from: store, keys: keys) { return checkpoint }
        }
        return nil
    }

    static func read(_ artifact: StoredArtifact, from store: ArtifactStore, keys: [VerificationKey]) throws
        -> AuditCheckpoint
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gantry-checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.unpack(artifact, into: folder)
        let envelope = try JSONDecoder().decode(
            DSSEEnvelope.self, from: Data(contentsOf: folder.appendingPathComponent(fileName)))
        guard envelope.payloadType == payloadType else {
            throw AttestationError.signature("not an audit checkpoint (\(envelope.payloadType))")
        }
        return try JSONDecoder().decode(AuditCheckpoint.self, from: try envelope.verifiedPayload(keys: keys))
    }
}
