import Foundation
import GantryCore
import GantryTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

/// Promotions, approvals, rollbacks and Alertmanager-driven rollback through the API, on artifacts
/// packed by a real run of the project (their provenance names the commit whose pipeline applies).
@Suite struct PromotionAPITests {
    /// A project that packs `app/` as web, with staging (deploys append the digest to a log) and prod
    /// (one approval by a releaser); `gantry keys generate` and one run into the server's data.
    static func project(configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> (ServerFixture, URL) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("deploys-\(UUID().uuidString).log")
        let fixture = try ServerFixture(
            pipeline: """
                name: demo
                jobs:
                  release:
                    steps:
                      - uses: gantry/pack
                        with: { path: app, name: web, tag: v1 }
                environments:
                  staging:
                    policy: { no_secrets: true, require_provenance: true }
                    deploy: 'echo "$GANTRY_DIGEST" >> \(log.path)'
                  prod:
                    approvals: { count: 1, roles: [releaser] }
                    deploy: 'echo "prod $GANTRY_DIGEST" >> \(log.path)'
                """, files: ["app/VERSION": "1.0.0\n"], configure: configure)
        let home = ["GANTRY_HOME": fixture.directory.url.appendingPathComponent("data").path]
        #expect(try GantryBinary.run(["keys", "generate"], in: fixture.repository, environment: home).status == 0)
        return (fixture, log)
    }

    /// Runs the pipeline in the repository (as `gantry run` would) and returns the packed digest.
    static func pack(_ fixture: ServerFixture) throws -> String {
        let home = ["GANTRY_HOME": fixture.directory.url.appendingPathComponent("data").path]
        let run = try GantryBinary.run(["run"], in: fixture.repository, environment: home)
        #expect(run.status == 0, "\(run.stderr)")
        let inspect = try GantryBinary.run(
            ["artifact", "inspect", "web:v1", "--json"], in: fixture.repository, environment: home)
        return try #require((inspect.stdoutJSON as? [String: Any])?["digest"] as? String)
    }

    static func commitChange(_ fixture: ServerFixture, version: String) throws {
        try Data("\(version)\n".utf8).write(to: fixture.repository.appendingPathComponent("app/VERSION"))
        try ServerFixture.git(["commit", "-q", "-am", "version \(version)"], in: fixture.repository)
    }

    static func token(_ fixture: ServerFixture, user: String, role: ServerRole = .releaser) throws -> HTTPFields {
        let issued = try APITokens.issue(user: user, role: role, expiresAt: nil)
        try fixture.state.addToken(issued.record)
        return [.authorization: "Bearer \(issued.token)", .contentType: "application/json"]
    }

    /// Polls the promotion until it is no longer open.
    static func waitUntilClosed(_ id: String, _ client: some TestClientProtocol, _ headers: HTTPFields) async throws
        -> [String: Any]
    {
        for _ in 0..<600 {
            let response = try await client.execute(uri: "/api/v1/promotions/\(id)", method: .get, headers: headers)
            if response.status == .ok, let status = response.json["status"] as? String,
                !["deploying", "verifying", "awaiting_approval"].contains(status)
            {
                return response.json
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("promotion \(id) did not end within 30 s")
    }

    @Test func promoteApproveCancelAndRollBackThroughTheAPI() async throws {
        let (fixture, log) = try Self.project { $0.permissions["prod"] = EnvironmentPermissions(promote: ["alice"]) }
        defer {
            fixture.remove()
            try? FileManager.default.removeItem(at: log)
        }
        let first = try Self.pack(fixture)
        let alice = try Self.token(fixture, user: "alice")
        let bob = try Self.token(fixture, user: "bob")
        try fixture.state.upsertUser(name: "bob", role: "releaser")
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        try await application.test(.router) { client in
            // Gates refuse a digest that is not there: nothing is recorded.
            let missing = "sha256:" + String(repeating: "0", count: 64)
            try await client.execute(
                uri: "/api/v1/promotions", method: .post, headers: alice,
                body: ByteBuffer(json: #"{"app":"web","environment":"staging","digest":"\#(missing)"}"#)
            ) { #expect($0.status == .unprocessableContent) }

            let promoted = try await client.execute(
                uri: "/api/v1/promotions", method: .post, headers: alice,
                body: ByteBuffer(json: #"{"app":"web","environment":"staging","digest":"\#(first)","reason":"ship"}"#))
            #expect([.ok, .accepted].contains(promoted.status), "\(String(buffer: promoted.body))")
            let id = try #require(promoted.json["id"] as? String)
            let done = try await Self.waitUntilClosed(id, client, alice)
            #expect(done["status"] as? String == "succeeded", "\(done)")
            #expect(done["requested_by"] as? String == "alice")
            // The artifact's scan summary: the staging gate's decision, signed, rule by rule.
            let artifact = try await client.execute(uri: "/api/v1/artifacts/web/\(first)", method: .get, headers: bob)
            let decision = try #require((artifact.json["policy"] as? [[String: Any]])?.first, "\(artifact.json)")
            #expect(decision["environment"] as? String == "staging")
            #expect(decision["passed"] as? Bool == true)
            #expect(decision["signed"] as? Bool == true)
            let rules = (decision["rules"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
            #expect(rules.contains("no_secrets") && rules.contains("require_provenance"), "\(rules)")

            // prod: only alice may promote; the promotion waits for an approval; alice may not approve
            // her own; bob approves and it deploys.
            try await client.execute(
                uri: "/api/v1/promotions", method: .post, headers: bob,
                body: ByteBuffer(json: #"{"app":"web","environment":"prod","from":"staging"}"#)
            ) { #expect($0.status == .forbidden) }
            let waiting = try await client.execute(
                uri: "/api/v1/promotions", method: .post, headers: alice,
                body: ByteBuffer(json: #"{"app":"web","environment":"prod","from":"staging"}"#))
            #expect(waiting.status == .accepted)
            #expect(waiting.json["status"] as? String == "awaiting_approval")
            let prodID = try #require(waiting.json["id"] as? String)
            // The board shows the pending promotion in prod, never deployed there, with no approval yet.
            let board = try await client.execute(uri: "/api/v1/environments?app=web", method: .get, headers: bob)
            let prodRow = (board.json["environments"] as? [[String: Any]])?.first {
                $0["environment"] as? String == "prod"
            }
            #expect((prodRow?["pending"] as? [String: Any])?["id"] as? String == prodID, "\(board.json)")
            #expect(prodRow?["approvals_given"] as? Int == 0)
            #expect(prodRow?["digest"] == nil)
            try await client.execute(
                uri: "/api/v1/promotions/\(prodID)/approve", method: .post, headers: alice, body: ByteBuffer(json: "{}")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "approval_refused")
            }
            try await client.execute(
                uri: "/api/v1/promotions/\(prodID)/approve", method: .post, headers: bob, body: ByteBuffer(json: "{}"))
            let approved = try await Self.waitUntilClosed(prodID, client, bob)
            #expect(approved["status"] as? String == "succeeded", "\(approved)")
            try await client.execute(
                uri: "/api/v1/promotions/\(prodID)/cancel", method: .post, headers: alice,
                body: ByteBuffer(json: #"{"reason":"late"}"#)
            ) { #expect($0.status == .conflict) }
            // A rollback needs a reason, and something earlier that ran there.
            try await client.execute(
                uri: "/api/v1/rollbacks", method: .post, headers: alice,
                body: ByteBuffer(json: #"{"app":"web","environment":"staging"}"#)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(
                uri: "/api/v1/rollbacks", method: .post, headers: alice,
                body: ByteBuffer(json: #"{"app":"web","environment":"staging","reason":"errors"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("no earlier verified deployment"))
            }
        }
        // The artifact: its origin, its checks, where it runs.
        try await fixture.routerApplication().test(.router) { client in
            let list = try await client.execute(uri: "/api/v1/artifacts?app=web", method: .get, headers: alice)
            let artifacts = try #require(list.json["artifacts"] as? [[String: Any]])
            #expect(artifacts.first?["digest"] as? String == first)
            #expect(artifacts.first?["commit"] as? String == fixture.commit)
            let detail = try await client.execute(uri: "/api/v1/artifacts/web/\(first)", method: .get, headers: alice)
            let checks = try #require(detail.json["checks"] as? [[String: Any]])
            #expect(!checks.isEmpty && checks.allSatisfy { $0["passed"] as? Bool == true }, "\(checks)")
            let deployed = (detail.json["deployed"] as? [[String: Any]])?.compactMap { $0["environment"] as? String }
            #expect(Set(deployed ?? []) == ["staging", "prod"])
            try await client.execute(
                uri: "/api/v1/artifacts/web/sha256:\(String(repeating: "0", count: 64))", method: .get, headers: alice
            ) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/artifacts/web/latest", method: .get, headers: alice) {
                #expect($0.status == .unprocessableContent)
            }
        }
        let deploys = try String(contentsOf: log, encoding: .utf8)
        #expect(deploys.contains(first))
        #expect(deploys.contains("prod \(first)"))
        // The release worktrees are gone.
        let worktrees = fixture.directory.url.appendingPathComponent("data/worktrees")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: worktrees.path)) ?? []).isEmpty)
        let actions = try fixture.state.auditEntries(limit: 100).map { "\($0.actor) \($0.action)" }
        #expect(actions.contains("bob approve"))
    }

    /// During a canary rollout (process driver) an alert aborts the rollout instead of rolling back
    /// over it: the rollout's driver takes the request at its next check (tested in ServingTests).
    @Test func aFiringAlertAbortsACanaryRolloutInProgress() async throws {
        let secret = "alertmanager-token-for-tests"  // gantry:allow-secret (a test fixture)
        let (fixture, log) = try Self.project { $0.alertmanagerToken = secret }
        defer {
            fixture.remove()
            try? FileManager.default.removeItem(at: log)
        }
        let digest = try #require(Digest(parsing: try Self.pack(fixture)))
        // What a canary rollout in progress looks like in the state: an open promotion whose digest is
        // a canary taking 10% of the traffic.
        let state = try fixture.state
        let open = try state.openPromotion(
            PromotionRecord(
                id: "p-canary", kind: .promote, app: "web", environment: "staging", digest: digest,
                status: .deploying, requestedBy: "dana", leaseExpiresAt: Date().addingTimeInterval(60)))
        try state.wantCanary(app: "web", environment: "staging", digest: digest, weight: 10)
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        let payload = """
            {"version":"4","status":"firing","receiver":"gantry","groupLabels":{},"commonLabels":{},
             "commonAnnotations":{},"externalURL":"http://alertmanager:9093","alerts":[{"status":"firing",
             "labels":{"alertname":"CanaryErrors","app":"web","environment":"staging"},"annotations":{},
             "startsAt":"2026-11-29T10:00:00Z","fingerprint":"fp-canary"}]}
            """
        let hook: HTTPFields = [.authorization: "Bearer \(secret)", .contentType: "application/json"]
        try await application.test(.router) { client in
            let fired = try await client.execute(
                uri: "/hooks/alertmanager", method: .post, headers: hook, body: ByteBuffer(json: payload))
            let action = try #require((fired.json["actions"] as? [[String: Any]])?.first)
            #expect(action["result"] as? String == "aborting the rollout of \(digest.short)", "\(action)")
            #expect(action["promotion"] as? String == open.id)
            let repeated = try await client.execute(
                uri: "/hooks/alertmanager", method: .post, headers: hook, body: ByteBuffer(json: payload))
            let again = ((repeated.json["actions"] as? [[String: Any]])?.first?["result"] as? String) ?? ""
            #expect(again.hasPrefix("already aborting"), "\(again)")
        }
        let signal = try #require(try state.takeRolloutSignal(app: "web", environment: "staging"))
        #expect(signal.signal == .abort)
        #expect(signal.actor == "alertmanager")
        #expect(try state.auditEntries().contains { $0.action == "rollout.abort" && $0.actor == "alertmanager" })
        // Nothing was rolled back over the rollout.
        #expect(try state.promotions().map(\.id) == ["p-canary"])
    }

    @Test func aFiringAlertRollsBackARecentReleaseOnce() async throws {
        let secret = "alertmanager-token-for-tests"  // gantry:allow-secret (a test fixture)
        let (fixture, log) = try Self.project { $0.alertmanagerToken = secret }
        defer {
            fixture.remove()
            try? FileManager.default.removeItem(at: log)
        }
        let first = try Self.pack(fixture)
        try Self.commitChange(fixture, version: "2.0.0")
        let second = try Self.pack(fixture)
        #expect(first != second)
        let alice = try Self.token(fixture, user: "alice")
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        @Sendable func alert(_ status: String, fingerprint: String = "fp-1", environment: String = "staging") -> String
        {
            """
            {"version":"4","groupKey":"{}:{alertname=\\"HighErrorRate\\"}","truncatedAlerts":0,"status":"\(status)",
             "receiver":"gantry","groupLabels":{"alertname":"HighErrorRate"},"commonLabels":{},"commonAnnotations":{},
             "externalURL":"http://alertmanager:9093","alerts":[{"status":"\(status)",
             "labels":{"alertname":"HighErrorRate","app":"web","environment":"\(environment)"},
             "annotations":{"summary":"errors"},"startsAt":"2026-11-29T10:00:00Z","endsAt":"0001-01-01T00:00:00Z",
             "generatorURL":"http://prometheus:9090/graph","fingerprint":"\(fingerprint)"}]}
            """
        }
        let hook: HTTPFields = [.authorization: "Bearer \(secret)", .contentType: "application/json"]
        try await application.test(.router) { client in
            for digest in [first, second] {
                let response = try await client.execute(
                    uri: "/api/v1/promotions", method: .post, headers: alice,
                    body: ByteBuffer(json: #"{"app":"web","environment":"staging","digest":"\#(digest)"}"#))
                let id = try #require(response.json["id"] as? String, "\(String(buffer: response.body))")
                #expect(try await Self.waitUntilClosed(id, client, alice)["status"] as? String == "succeeded")
            }
            try await client.execute(
                uri: "/hooks/alertmanager", method: .post, headers: [.authorization: "Bearer wrong"],
                body: ByteBuffer(json: alert("firing"))
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/hooks/alertmanager", method: .post, headers: hook, body: ByteBuffer(json: alert("resolved"))
            ) { response in
                let result = ((response.json["actions"] as? [[String: Any]])?.first?["result"] as? String) ?? ""
                #expect(result.hasPrefix("ignored"))
            }
            let fired = try await client.execute(
                uri: "/hooks/alertmanager", method: .post, headers: hook, body: ByteBuffer(json: alert("firing")))
            let action = try #require((fired.json["actions"] as? [[String: Any]])?.first)
            let rollbackID = try #require(action["promotion"] as? String, "\(action)")
            let rolledBack = try await Self.waitUntilClosed(rollbackID, client, alice)
            #expect(rolledBack["status"] as? String == "succeeded", "\(rolledBack)")
            #expect(rolledBack["kind"] as? String == "rollback")
            #expect(rolledBack["digest"] as? String == first)
            #expect(rolledBack["requested_by"] as? String == "alertmanager")
            // Alertmanager repeats the notification: nothing more happens.
            let repeated = try await client.execute(
                uri: "/hooks/alertmanager", method: .post, headers: hook, body: ByteBuffer(json: alert("firing")))
            let again = ((repeated.json["actions"] as? [[String: Any]])?.first?["result"] as? String) ?? ""
            #expect(again.hasPrefix("already rolled back"), "\(again)")
            let environments = try await client.execute(
                uri: "/api/v1/environments?app=web", method: .get, headers: alice)
            let staging = (environments.json["environments"] as? [[String: Any]])?.first
            #expect(staging?["digest"] as? String == first)
            // /metrics counts the rollback by environment, and every promotion by kind and result.
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("gantry_rollbacks{environment=\"staging\"} 1"), "\(metrics)")
            #expect(
                metrics.contains("gantry_promotions{environment=\"staging\",kind=\"rollback\",status=\"succeeded\"} 1"))
            #expect(
                metrics.contains("gantry_promotions{environment=\"staging\",kind=\"promote\",status=\"succeeded\"} 2"))
        }
        #expect(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count == 3)
    }
}
