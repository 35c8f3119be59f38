import Foundation
import Release
import Store
import Testing

/// `environments.<env>.secrets`: released to the deploy and health check of that environment only,
/// after the gates and approvals, masked in output, the promotion log and the audit log.
@Suite struct DeploySecretsTests {
    static let pipeline = """
        jobs:
          build:
            steps: [{ run: "true" }]
        environments:
          dev:
            secrets: [DEPLOY_TOKEN]
            deploy: |
              echo "token=$DEPLOY_TOKEN other=${OTHER_TOKEN:-unset} inherited=${GANTRY_SECRET_OTHER_TOKEN:-unset}" >> deploys.log
              echo "printed $DEPLOY_TOKEN and $(printf %s "$DEPLOY_TOKEN" | base64)"
            verify: { command: 'test "$DEPLOY_TOKEN" = "dev-token-7Hq2"', retries: 0 }
          prod:
            requires: dev
            approvals: { count: 1, roles: [releaser] }
            secrets: [PROD_TOKEN]
            deploy: 'echo "prod $PROD_TOKEN dev=${DEPLOY_TOKEN:-unset}" >> deploys.log'
        """

    static let secrets = ["DEPLOY_TOKEN": "dev-token-7Hq2", "OTHER_TOKEN": "other-token-Zx81"]

    @Test func onlyTheEnvironmentsSecretsReachItsDeployAndTheyAreMasked() async throws {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let output = LineRecorder()
        let outcome = try await fixture.promoter(
            output: output, secrets: Self.secrets, environment: ["GANTRY_SECRET_OTHER_TOKEN": "other-token-Zx81"]
        ).promote(app: "web", to: "dev", source: .digest(digest))
        // The health check saw the secret too (it passed).
        #expect(outcome.promotion.status == .succeeded)
        #expect(fixture.deploys() == ["token=dev-token-7Hq2 other=unset inherited=unset"])
        let printed = output.all.joined()
        #expect(printed == "printed *** and ***\n")
        let log = try String(
            contentsOf: fixture.stateDirectory.appendingPathComponent("logs/promotions/\(outcome.promotion.id).log"),
            encoding: .utf8)
        #expect(log.contains("printed *** and ***"))
        #expect(!log.contains("dev-token-7Hq2"))
    }

    @Test func theApprovalThatDeploysNeedsTheSecretsAndIsNotRecordedWithoutThem() async throws {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        try fixture.state.upsertUser(name: "alice", role: "releaser")
        _ = try await fixture.promoter(secrets: Self.secrets).promote(app: "web", to: "dev", source: .digest(digest))
        // Requesting needs no secret: nothing deploys until the approval.
        let waiting = try await fixture.promoter().promote(app: "web", to: "prod", source: .environment("dev"))
        #expect(waiting.promotion.status == .awaitingApproval)
        do {
            _ = try await fixture.promoter(actor: "alice").approve(
                promotionID: waiting.promotion.id, as: "alice", totpCode: nil)
            Issue.record("expected an error")
        } catch let error as ReleaseError {
            #expect("\(error)".hasPrefix("environments.prod.secrets: PROD_TOKEN was not given"))
        }
        #expect(try fixture.state.approvals(of: waiting.promotion.id).isEmpty)
        let approved = try await fixture.promoter(actor: "alice", secrets: ["PROD_TOKEN": "prod-token-Lm55"])
            .approve(promotionID: waiting.promotion.id, as: "alice", totpCode: nil)
        #expect(approved.promotion.status == .succeeded)
        // dev's secret is not prod's.
        #expect(fixture.deploys().last == "prod prod-token-Lm55 dev=unset")
        for entry in try fixture.state.auditEntries() {
            #expect(!"\(entry.details)".contains("prod-token-Lm55"))
        }
    }
}
