public import Artifacts
public import Attestation
import Foundation
import GantryCore

/// The policy decisions attached to a digest (one per promotion gate evaluated): what the scanners
/// found and each rule's verdict, newest per environment. A signed decision counts as signed only
/// when its envelope verifies with a trusted key; an unsigned one is shown as such, never trusted
/// for a gate (gates evaluate again).
public enum PolicyDecisions {
    public struct Decision: Sendable, Hashable {
        public var report: PolicyEvaluator.Report
        /// The envelope verified with a trusted key.
        public var signed: Bool
    }

    /// The newest decision per environment, in environment-name order.
    public static func latest(of artifact: StoredArtifact, in store: ArtifactStore, keys: [VerificationKey])
        -> [Decision]
    {
        let referrers =
            (try? store.referrers(of: artifact.digest, artifactType: PolicyEvaluator.Report.artifactType)) ?? []
        var newest: [String: Decision] = [:]
        for referrer in referrers {
            guard let content = try? store.content(of: referrer),
                let decision = decode(content, keys: keys, subject: artifact.digest)
            else { continue }
            let environment = decision.report.environment
            if let known = newest[environment], known.report.decidedAt > decision.report.decidedAt { continue }
            newest[environment] = decision
        }
        return newest.keys.sorted().compactMap { newest[$0] }
    }

    private static func decode(_ content: Data, keys: [VerificationKey], subject: Digest) -> Decision? {
        typealias ReportStatement = Statement<PolicyEvaluator.Report>
        var signed = false
        var payload = content
        if let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: content) {
            if let verified = try? envelope.verifiedPayload(keys: keys) {
                payload = verified
                signed = true
            } else if let unverified = Data(base64Encoded: envelope.payload) {
                payload = unverified
            } else {
                return nil
            }
        }
        guard let statement = try? JSONDecoder().decode(ReportStatement.self, from: payload),
            statement.predicateType == PolicyEvaluator.Report.predicateType,
            statement.subject.contains(where: { $0.digest["sha256"] == subject.hex })
        else { return nil }
        return Decision(report: statement.predicate, signed: signed)
    }
}
