import Artifacts
import Foundation
import GantryCore

/// Checks an artifact's attestations: signatures with trusted keys, subject digests, and the SBOM seal.
public struct Verifier: Sendable {
    public let store: ArtifactStore
    public let keys: [VerificationKey]

    public init(store: ArtifactStore, keys: [VerificationKey]) {
        self.store = store
        self.keys = keys
    }

    /// The checks `verify` makes, in order.
    public enum CheckKind: String, Sendable, Hashable, CaseIterable {
        case provenanceSignature = "provenance signature"
        case sbomSignature = "sbom signature"
        case sbomSeal = "sbom seal"
        case sbomMatchesContent = "sbom matches content"
    }

    /// One check and how it went.
    public struct Check: Sendable, Hashable {
        public var kind: CheckKind
        public var passed: Bool
        public var detail: String

        /// The check's name for people (`provenance signature`).
        public var name: String { kind.rawValue }
    }

    /// Runs every check, in order, stopping at the first failure; the result lists each check made.
    /// `regenerateSBOM: false` leaves out the last check (which reads the whole artifact), for callers
    /// that verify the content's integrity another way.
    /// `unpacked` is the artifact's content when the caller has already extracted it (saves unpacking
    /// it again for the last check).
    public func verify(_ artifact: StoredArtifact, regenerateSBOM: Bool = true, unpacked: URL? = nil) -> [Check] {
        var checks: [Check] = []
        func record(_ kind: CheckKind, _ body: () throws -> String) -> Bool {
            do {
                checks.append(Check(kind: kind, passed: true, detail: try body()))
                return true
            } catch {
                checks.append(Check(kind: kind, passed: false, detail: "\(error)"))
                return false
            }
        }
        var provenance: SLSAProvenance?
        var bom: CycloneDXBOM?
        // The digest of the SBOM exactly as signed: the predicate's bytes in the verified payload, in
        // canonical form, not a re-encoding of the decoded model (which would drop fields it does not know).
        var signedBOMDigest: Digest?
        guard
            record(
                .provenanceSignature,
                {
                    let (statement, _): (Statement<SLSAProvenance>, Data) = try verifiedStatement(
                        of: artifact, type: Attestor.provenanceType)
                    guard statement.predicateType == SLSAProvenance.predicateType else {
                        throw AttestationError.statement("unexpected predicate type \(statement.predicateType)")
                    }
                    provenance = statement.predicate
                    return "SLSA v1 provenance signed by a trusted key, subject \(artifact.digest.short)"
                })
        else { return checks }
        guard
            record(
                .sbomSignature,
                {
                    let (statement, payload): (Statement<CycloneDXBOM>, Data) = try verifiedStatement(
                        of: artifact, type: Attestor.sbomType)
                    bom = statement.predicate
                    guard let predicate = try JSONValue.parse(payload)["predicate"] else {
                        throw AttestationError.statement("the SBOM statement has no predicate")
                    }
                    signedBOMDigest = Digest.sha256(try CanonicalJSON.write(predicate))
                    return "CycloneDX SBOM signed by a trusted key, \(statement.predicate.components.count) components"
                })
        else { return checks }
        guard
            record(
                .sbomSeal,
                {
                    guard let sealed = provenance?.sealedSBOMDigest else {
                        throw AttestationError.seal("the provenance records no SBOM digest")
                    }
                    let actual = signedBOMDigest?.hex ?? ""
                    guard sealed == actual else {
                        throw AttestationError.seal(
                            "the SBOM's digest \(actual.prefix(12)) differs from the sealed \(sealed.prefix(12)): the SBOM was replaced"
                        )
                    }
                    return "the provenance seals the SBOM (sha256:\(sealed.prefix(12))…)"
                })
        else { return checks }
        guard regenerateSBOM else { return checks }
        _ = record(
            .sbomMatchesContent,
            {
                let directory =
                    unpacked
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                        "gantry-verify-\(UUID().uuidString)")
                defer { if unpacked == nil { try? FileManager.default.removeItem(at: directory) } }
                if unpacked == nil { try store.unpack(artifact, into: directory) }
                guard let sealedBOM = bom, let timestamp = Timestamp.parse(sealedBOM.metadata.timestamp) else {
                    throw AttestationError.seal("the SBOM has no readable timestamp")
                }
                let regenerated = try SBOMGenerator(
                    appName: sealedBOM.metadata.component.name, timestamp: Int64(timestamp.timeIntervalSince1970)
                )
                .bom(for: directory)
                guard try regenerated.digest() == signedBOMDigest else {
                    throw AttestationError.seal(
                        "the SBOM regenerated from the artifact's content differs from the sealed one")
                }
                return "regenerated from the artifact's lockfiles: identical"
            })
        return checks
    }

    /// The provenance of an artifact, from the newest envelope that verifies with a trusted key.
    public func provenance(of artifact: StoredArtifact) throws -> SLSAProvenance {
        let (statement, _): (Statement<SLSAProvenance>, Data) = try verifiedStatement(
            of: artifact, type: Attestor.provenanceType)
        return statement.predicate
    }

    /// The SBOM of an artifact, from the newest envelope that verifies with a trusted key.
    public func sbom(of artifact: StoredArtifact) throws -> CycloneDXBOM {
        let (statement, _): (Statement<CycloneDXBOM>, Data) = try verifiedStatement(
            of: artifact, type: Attestor.sbomType)
        return statement.predicate
    }

    /// What the newest attached provenance claims, without checking its signature. For housekeeping
    /// decisions that need no trust (the branch and time a build reports for retention); never for gates.
    public func unverifiedProvenance(of artifact: StoredArtifact) -> SLSAProvenance? {
        guard let referrer = try? store.referrers(of: artifact.digest, artifactType: Attestor.provenanceType).last,
            let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: try store.content(of: referrer)),
            let payload = Data(base64Encoded: envelope.payload),
            let statement = try? JSONDecoder().decode(Statement<SLSAProvenance>.self, from: payload)
        else { return nil }
        return statement.predicate
    }

    /// The statement in the newest attached envelope of `type` that verifies and names this artifact,
    /// and the signed payload it was read from.
    private func verifiedStatement<P>(of artifact: StoredArtifact, type: String) throws -> (Statement<P>, Data) {
        let referrers = try store.referrers(of: artifact.digest, artifactType: type)
        guard !referrers.isEmpty else {
            throw AttestationError.statement(
                "no \(type == Attestor.sbomType ? "SBOM" : "provenance") is attached to \(artifact.digest.short) (pack with a signing key)"
            )
        }
        var lastError: any Error = AttestationError.signature("no attestation verifies")
        for referrer in referrers.reversed() {
            do {
                let envelope = try JSONDecoder().decode(DSSEEnvelope.self, from: try store.content(of: referrer))
                let payload = try envelope.verifiedPayload(keys: keys)
                let statement = try JSONDecoder().decode(Statement<P>.self, from: payload)
                guard statement.type == Statement<P>.type else {
                    throw AttestationError.statement("not an in-toto Statement v1")
                }
                guard statement.subject.contains(where: { $0.digest["sha256"] == artifact.digest.hex }) else {
                    throw AttestationError.statement("the statement's subject is not \(artifact.digest)")
                }
                return (statement, payload)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
