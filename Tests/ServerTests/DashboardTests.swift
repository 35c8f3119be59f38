import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

@Suite struct DashboardTests {
    /// Signs in with `token` and returns the session cookie and the page the redirect leads to.
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> (cookie: String, page: String)
    {
        let response = try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(token)"))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        let page = try await client.execute(
            uri: response.headers[.location] ?? "/", method: .get, headers: [.cookie: cookie])
        return (cookie, String(buffer: page.body))
    }

    @Test func pagesNeedASignInAndShowRunsAndTheAuditLog() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try fixture.state.beginRun(
            RunRecord(
                id: "run-<script>", correlation: "c", pipelineName: "demo", pipelineFile: "gantry.yml",
                pipelineDigest: "sha256:" + String(repeating: "a", count: 64), status: .success, startedAt: Date(),
                commitSHA: fixture.commit, branch: "main", project: "web"))
        try fixture.state.appendAudit(actor: "alice", action: "run", subject: "run-1", details: [:])
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(uri: "/runs", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(String(buffer: login.body).contains("<label for=\"token\">"))
            let token = try #require(fixture.tokens[.viewer])
            let (cookie, runs) = try await Self.signIn(client, token: token)
            // Names from the state are escaped, never markup.
            #expect(runs.contains("run-&lt;script&gt;"))
            #expect(!runs.contains("run-<script>"))
            #expect(runs.contains(String(fixture.commit.prefix(12))))
            let audit = try await client.execute(uri: "/audit", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: audit.body).contains("verifies"))
            #expect(audit.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            // A viewer sees the board without the release forms.
            let board = try await client.execute(uri: "/environments", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: board.body).contains("id=\"board\""))
            #expect(!String(buffer: board.body).contains("Roll back</button>"))
        }
    }

    @Test func failedSignInsAreLimitedAndFormsNeedTheirCSRFToken() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.routerApplication().test(.router) { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            for _ in 0..<5 {
                try await client.execute(
                    uri: "/login", method: .post, headers: form,
                    body: ByteBuffer(string: "token=gantry_" + String(repeating: "2", count: 48))
                ) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(
                uri: "/login", method: .post, headers: form,
                body: ByteBuffer(string: "token=\(fixture.tokens[.releaser] ?? "")")
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect((1...60).contains(Int(response.headers[.retryAfter] ?? "") ?? 0))
            }
        }
        let other = try ServerFixture()
        defer { other.remove() }
        try await other.routerApplication().test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, token: other.tokens[.releaser] ?? "")
            try await client.execute(
                uri: "/environments/rollback", method: .post,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=forged&app=web&environment=prod&reason=x")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("CSRF"))
            }
            // The session cookie is no credential for the API.
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: [.cookie: cookie]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    /// The CSRF token of the first form on `page`.
    static func csrf(_ page: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker)?.upperBound, "no form on the page")
        return String(page[start...].prefix { $0 != "\"" })
    }

    @Test func aReleaserPromotesFromTheBoardAndSeesTheApprovalItWaitsFor() async throws {
        // The environments the board lists (server.yml's `environments:`, or the pipeline's without --config).
        let (fixture, log) = try PromotionAPITests.project { $0.environmentOrder = ["staging", "prod"] }
        defer {
            fixture.remove()
            try? FileManager.default.removeItem(at: log)
        }
        let digest = try PromotionAPITests.pack(fixture)
        let issued = try APITokens.issue(user: "alice", role: .releaser, expiresAt: nil)
        try fixture.state.addToken(issued.record)
        let api = try PromotionAPITests.token(fixture, user: "alice")
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        try await application.test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, token: issued.token)
            let form: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            // The packed app has a row per environment before anything is deployed, each with a form.
            let empty = String(buffer: try await client.execute(uri: "/environments", method: .get, headers: form).body)
            #expect(empty.contains("Promote to staging</button>"), "\(empty)")
            #expect(empty.contains("never deployed"))
            let csrf = try Self.csrf(empty)
            // Neither a source nor a digest, or both: refused with a message, nothing recorded.
            let neither = try await client.execute(
                uri: "/environments/promote", method: .post, headers: form,
                body: ByteBuffer(string: "csrf=\(csrf)&app=web&environment=staging&from=&digest="))
            #expect(String(buffer: neither.body).contains("Choose an environment to promote from"))
            #expect(try fixture.state.promotions(limit: 5).isEmpty)

            let promoted = try await client.execute(
                uri: "/environments/promote", method: .post, headers: form,
                body: ByteBuffer(string: "csrf=\(csrf)&app=web&environment=staging&from=&digest=\(digest)&reason=ship"))
            let message = String(buffer: promoted.body)
            #expect(message.contains("Promoting web to staging"), "\(message)")
            let id = try #require(try fixture.state.promotions(app: "web", limit: 1).first?.id)
            #expect(try await PromotionAPITests.waitUntilClosed(id, client, api)["status"] as? String == "succeeded")
            // The artifact page shows the staging gate's decision, rule by rule.
            let artifact = String(
                buffer: try await client.execute(uri: "/artifacts/web/\(digest)", method: .get, headers: form).body)
            #expect(artifact.contains("Policy rules for staging"), "\(artifact)")
            #expect(artifact.contains("<td>no_secrets</td>"))
            #expect(artifact.contains("signed with a trusted key"))

            // prod from staging: it waits for one approval, and the board says so.
            _ = try await client.execute(
                uri: "/environments/promote", method: .post, headers: form,
                body: ByteBuffer(string: "csrf=\(csrf)&app=web&environment=prod&from=staging&digest="))
            let board = String(buffer: try await client.execute(uri: "/environments", method: .get, headers: form).body)
            #expect(board.contains("(0/1 approvals)"), "\(board)")
            #expect(try fixture.state.openPromotion(app: "web", environment: "prod")?.requestedBy == "alice")
        }
    }

    @Test func aRunPageDrawsItsDAGAndShowsTheOutputOfItsFinishedJobs() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let runID = "run-dag"
        try fixture.state.beginRun(
            RunRecord(
                id: runID, correlation: "c", pipelineName: "demo", pipelineFile: "gantry.yml",
                pipelineDigest: "sha256:" + String(repeating: "a", count: 64), status: .running, startedAt: Date(),
                commitSHA: fixture.commit, branch: "main", project: "web"))
        try fixture.state.recordRunGraph(
            runID: runID,
            [
                RunGraphNode(name: "build", needs: [], level: 0),
                RunGraphNode(name: "test <unit>", needs: ["build"], level: 1),
                RunGraphNode(name: "deploy", needs: ["build", "test <unit>"], level: 2),
            ])
        try fixture.state.recordJobs([
            JobRecord(
                runID: runID, name: "build", jobID: "build", status: .success, attempts: 1, startedAt: Date(),
                finishedAt: Date(), durationMs: 1200, cache: nil, reason: nil, outputs: "{}", attemptRecords: [])
        ])
        try fixture.state.finishRun(id: runID, status: .failure, finishedAt: Date(), durationMs: 1500)
        let logs = fixture.directory.url.appendingPathComponent("data/logs/\(runID)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try Data(
            (#"{"ts":"x","job":"build","stream":"stdout","line":"compiled \u001b[32mok\u001b[0m <b>bold</b>"}"# + "\n")
                .utf8
        ).write(to: logs.appendingPathComponent("build.jsonl"))
        try await fixture.routerApplication().test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, token: fixture.tokens[.viewer] ?? "")
            let page = String(
                buffer: try await client.execute(uri: "/runs/\(runID)", method: .get, headers: [.cookie: cookie]).body)
            #expect(page.contains("<svg id=\"dag\""), "\(page)")
            // Every planned job is drawn, the finished one by its status, the others waiting; names escaped.
            #expect(page.contains("data-job=\"build\" data-state=\"success\""))
            #expect(page.contains("data-job=\"test &lt;unit&gt;\" data-state=\"waiting\""))
            #expect(!page.contains("test <unit>"))
            // One arrow per need.
            #expect(page.components(separatedBy: "marker-end=").count - 1 == 3)
            // The finished run's output, colours rendered and markup escaped.
            #expect(page.contains("id=\"output\""))
            #expect(page.contains("&lt;b&gt;bold&lt;/b&gt;"))
            #expect(!page.contains("<b>bold</b>"))
            #expect(!page.contains("\u{1B}"))
        }
    }
}
