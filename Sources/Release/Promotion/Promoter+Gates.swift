import Artifacts
import Attestation
import Foundation
import GantryCore
import Pipeline
import StateModel

extension Promoter {
    /// What the gates found out on the way.
    struct GateResult {
        var artifact: StoredArtifact
        var commit: String?
        var checks: [GateCheck]
    }

    /// Runs the checks before approvals, in the documented order, printing each. The first failure is
    /// written to the audit log and thrown; all results are written when every check passes.
    func runGates(
        app: String, digest: Digest, environment: EnvironmentDefinition, action: String,
        skipRequires: Bool = false
    ) async throws -> GateResult {
        var checks: [GateCheck] = []
        func pass(_ name: String, _ detail: String) {
            let check = GateCheck(name, .passed, detail)
            context.reporter.line(check.line)
            checks.append(check)
        }
        func fail(_ name: String, _ detail: String) async -> ReleaseError {
            context.reporter.line(GateCheck(name, .failed, detail).line)
            await context.audit(
                "\(action).refused", app: app, digest: digest,
                ["environment": environment.name, "check": name, "detail": detail])
            return ReleaseError.checkFailed(check: name, detail: detail)
        }

        // 1. The digest exists, and its blobs match their digests.
        let artifact: StoredArtifact
        do {
            artifact = try context.artifacts.resolve(.digest(app: app, digest))
            let integrity = try await ArtifactIntegrity(artifacts: context.artifacts, state: context.state).check(
                artifact)
            pass(
                "artifact",
                "\(app)@\(digest.short)\(artifact.tags.isEmpty ? "" : " (\(artifact.tags.joined(separator: ", ")))"); \(integrity)"
            )
        } catch let error as ArtifactError {
            throw await fail("artifact", "\(error)")
        }

        // 2–3. Signed provenance and SBOM with a trusted key; the SBOM seal.
        guard !context.keys.isEmpty else {
            throw await fail("signature", "no trusted public key (pass --key or create .gantry/keys/signing.pub)")
        }
        let verifier = Verifier(store: context.artifacts, keys: context.keys)
        let verified = verifier.verify(artifact, regenerateSBOM: false)
        let groups: [(String, [Verifier.CheckKind])] = [
            ("signature", [.provenanceSignature, .sbomSignature]), ("sbom seal", [.sbomSeal]),
        ]
        for (name, steps) in groups {
            let relevant = verified.filter { steps.contains($0.kind) }
            if let failed = relevant.first(where: { !$0.passed }) { throw await fail(name, failed.detail) }
            guard relevant.count == steps.count else {
                throw await fail(name, "not checked: an earlier verification step failed")
            }
            pass(name, relevant.map(\.detail).joined(separator: "; "))
        }
        let commit = (try? verifier.provenance(of: artifact))?.commit

        // 4. The digest passed the required environment.
        if let required = environment.requires, !skipRequires {
            guard try await context.state.hasPassed(app: app, environment: required, digest: digest) else {
                throw await fail(
                    "requires",
                    "\(app)@\(artifact.digest.short) has not been deployed and verified in \(required) (promote it there first)"
                )
            }
            pass("requires", "deployed and verified in \(required)")
        } else if !skipRequires {
            pass("requires", "no prior environment required")
        }

        // 5. Not rejected.
        if let rejection = try await context.state.rejection(app: app, digest: digest) {
            throw await fail(
                "not rejected",
                "rejected by \(rejection.rejectedBy) at \(Timestamp.iso8601(rejection.rejectedAt)): \(rejection.reason)"
            )
        }
        pass("not rejected", "no rejection recorded")

        // 6. Policy gate (the hook the policy module fills).
        let decision: PolicyDecision
        do {
            decision = try await context.policyGate.evaluate(app: app, digest: digest, environment: environment)
        } catch {
            throw await fail("policy", "the policy gate failed: \(error)")
        }
        guard decision.passed else { throw await fail("policy", decision.detail) }
        pass("policy", decision.detail)

        var details = ["environment": environment.name]
        for check in checks { details["check." + check.name] = check.result.rawValue }
        await context.audit("\(action).checks", app: app, digest: digest, details)
        return GateResult(artifact: artifact, commit: commit, checks: checks)
    }
}
