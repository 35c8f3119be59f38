import Artifacts
import Attestation
import Foundation
import GantryCore
import Pipeline
import Policy
import Release
import Store
import Testing

@Suite struct PolicyGateTests {
    static let pipeline = """
        jobs:
          build:
            steps: [{ run: "true" }]
        environments:
          dev: {}
          prod:
            policy:
              require_signature: true
              require_sbom_seal: true
              max_cvss: 7.0
              regression_only: true
              no_secrets: true
              pinned_base_images: true
        """

    static let advisory = """
        {"id": "GHSA-test-0001", "modified": "2026-11-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
         "summary": "Remote code execution in requests",
         "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
         "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}
        """

    func fixture() throws -> ReleaseFixture {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        try fixture.state.importOSV([
            StoredOSVRecord(
                id: "GHSA-test-0001", ecosystem: "PyPI", modified: "2026-11-01T00:00:00Z",
                json: Data(Self.advisory.utf8),
                packages: [("PyPI", "requests")])
        ])
        return fixture
    }

    func evaluate(_ fixture: ReleaseFixture, _ digest: String, waivers: WaiverSet = WaiverSet()) async throws
        -> (PolicyDecision, [String: String])
    {
        let gate = PolicyRulesGate(
            evaluator: PolicyEvaluator(
                artifacts: fixture.artifacts, state: fixture.repositories, keys: [fixture.key.publicKey],
                waivers: waivers,
                signingKey: fixture.key),
            actor: "dana")
        let environment = try #require(fixture.pipeline.environment("prod"))
        let (decision, evaluation) = try await gate.decide(
            app: "web", digest: try #require(Digest(parsing: digest)), environment: environment)
        return (decision, Dictionary(uniqueKeysWithValues: evaluation.results.map { ($0.rule, $0.outcome.rawValue) }))
    }

    @Test func aCleanDigestPassesEveryRule() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let (decision, rules) = try await evaluate(fixture, digest)
        #expect(decision.passed, "\(decision.detail)")
        #expect(
            rules == [
                "require_signature": "pass", "require_sbom_seal": "pass", "max_cvss": "pass", "no_secrets": "pass",
                "pinned_base_images": "pass",
            ])
        #expect(try fixture.state.auditEntries().last?.action == "policy")
        // The decision is attached to the digest it was made for, signed.
        let artifact = try fixture.artifacts.resolve(.digest(app: "web", try #require(Digest(parsing: digest))))
        let reports = try fixture.artifacts.referrers(
            of: artifact.digest, artifactType: PolicyEvaluator.Report.artifactType)
        #expect(reports.count == 1)
        let envelope = try JSONDecoder().decode(
            DSSEEnvelope.self, from: try fixture.artifacts.content(of: try #require(reports.first)))
        let statement = try JSONDecoder().decode(
            Statement<PolicyEvaluator.Report>.self, from: try envelope.verifiedPayload(keys: [fixture.key.publicKey]))
        #expect(statement.subject.first?.digest["sha256"] == artifact.digest.hex)
        #expect(statement.predicate.environment == "prod")
        #expect(statement.predicate.passed)
        #expect(statement.predicate.rules.count == 5)
    }

    @Test func vulnerabilitiesSecretsAndUnpinnedImagesFailAndWaiversApplyUntilTheyExpire() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        let token = "gl" + "pat-" + "Abcdefghij0123456789"
        let digest = try fixture.pack(
            "2.0.0",
            files: [
                "requirements.txt": "requests==2.28.1\n", "config/app.env": "GITLAB=\(token)\n",
                "Dockerfile": "FROM python:3.12\nUSER app\n",
            ])
        let (decision, rules) = try await evaluate(fixture, digest)
        #expect(!decision.passed)
        #expect(rules["max_cvss"] == "fail" && rules["no_secrets"] == "fail" && rules["pinned_base_images"] == "fail")
        #expect(decision.detail.contains("CVE-2099-0001"))
        #expect(!decision.detail.contains(token))
        // The promotion runs the same gate and is refused at the policy check.
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(digest))
        }

        let future = try WaiverSet.parse(
            """
            waivers:
              - id: CVE-2099-0001
                package: requests
                app: web
                reason: the vulnerable code path is not used
                approved_by: alice
                expires: 2999-01-01
              - id: gitlab-pat
                reason: a revoked test token
                approved_by: alice
                expires: 2999-01-01
              - id: dockerfile-unpinned-base
                reason: base image is pinned by the build system
                approved_by: bob
                expires: 2999-01-01
              - id: dockerfile-latest-tag
                reason: same
                approved_by: bob
                expires: 2999-01-01
            """, file: "waivers.yml")
        let (waived, waivedRules) = try await evaluate(fixture, digest, waivers: future)
        #expect(waived.passed, "\(waived.detail)")
        #expect(waivedRules["max_cvss"] == "waived" && waivedRules["no_secrets"] == "waived")
        #expect(try fixture.state.auditEntries().filter { $0.action == "waiver" }.count >= 3)

        let expired = try WaiverSet.parse(
            """
            waivers:
              - id: CVE-2099-0001
                reason: was fine last year
                approved_by: alice
                expires: 2020-01-01
            """, file: "waivers.yml")
        var report = try VulnerabilityScanner(lookup: { _, _ in [Data(Self.advisory.utf8)] }).scan([
            PackageVersion(ecosystem: "PyPI", name: "requests", version: "2.28.1")
        ])
        let application = expired.apply(to: &report, app: "web", digest: Digest(parsing: digest))
        #expect(application.used.isEmpty)
        #expect(application.expiredNotes.first?.contains("expired on 2020-01-01") == true)
        #expect(!report.blocking.isEmpty)
    }

    @Test func regressionOnlyIgnoresWhatTheEnvironmentAlreadyRuns() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        // prod runs an old digest with the vulnerability already (deployed before the policy existed).
        let old = try fixture.pack("1.0.0", files: ["requirements.txt": "requests==2.28.1\n"])
        var relaxed = fixture.pipeline
        let index = try #require(relaxed.environments.firstIndex { $0.name == "prod" })
        relaxed.environments[index].policy = nil
        var context = fixture.context()
        context.pipeline = relaxed
        _ = try await Promoter(context: context).promote(app: "web", to: "prod", source: .digest(old))
        let next = try fixture.pack("1.1.0", files: ["requirements.txt": "requests==2.28.1\n"])
        let (decision, rules) = try await evaluate(fixture, next)
        #expect(decision.passed, "\(decision.detail)")
        #expect(rules["max_cvss"] == "pass")
    }

    @Test func waiverFilesAreValidated() {
        for (text, message) in [
            ("waivers:\n  - id: CVE-1\n    approved_by: a\n    expires: 2030-01-01\n", "a waiver needs 'reason'"),
            ("waivers:\n  - id: CVE-1\n    reason: r\n    approved_by: a\n", "a waiver needs 'expires'"),
            (
                "waivers:\n  - id: CVE-1\n    reason: r\n    approved_by: a\n    expires: next year\n",
                "waivers.yml:5:14: expires 'next year' is not a date"
            ),
            ("waivers:\n  - id: CVE-1\n    reason: r\n    aproved_by: a\n", "did you mean 'approved_by'?"),
            (
                "waivers:\n  - id: CVE-1\n    reason: r\n    approved_by: a\n    expires: 2030-01-01\n    digest: sha256:ab\n",
                "waivers.yml:6:13: digest 'sha256:ab' is not a digest (use sha256:<64 hex digits>)"
            ),
            ("[]", "expected 'waivers:'"),
        ] {
            do {
                _ = try WaiverSet.parse(text, file: "waivers.yml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
