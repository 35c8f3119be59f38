import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

@Suite struct WebhookTests {
    static func sign(_ body: String, secret: String = ServerFixture.secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func githubHeaders(event: String = "push", delivery: String, signature: String) -> HTTPFields {
        [
            HTTPField.Name("X-GitHub-Event")!: event, HTTPField.Name("X-GitHub-Delivery")!: delivery,
            HTTPField.Name("X-Hub-Signature-256")!: signature, .contentType: "application/json",
        ]
    }

    static func push(_ commit: String, ref: String = "refs/heads/main") -> String {
        """
        {"ref":"\(ref)","before":"\(String(repeating: "1", count: 40))","after":"\(commit)",
         "commits":[{"added":["src/new.py"],"modified":["gantry.yml"],"removed":[]},
                    {"added":[],"modified":["src/new.py"],"removed":["old.txt"]}]}
        """
    }

    @Test func aSignedPushQueuesItsCommitOnceAndAReplayStartsNothing() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let body = Self.push(fixture.commit)
        let headers = Self.githubHeaders(delivery: "delivery-1", signature: Self.sign(body))
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/hooks/github", method: .post, headers: headers, body: ByteBuffer(json: body)
            ) {
                response in
                #expect(response.status == .accepted)
                #expect(response.json["commit_sha"] as? String == fixture.commit)
                #expect(response.json["ref"] as? String == "refs/heads/main")
            }
            try await client.execute(
                uri: "/hooks/github/web", method: .post, headers: headers, body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json["status"] as? String == "duplicate")
            }
        }
        let queued = try fixture.state.queuedRuns()
        #expect(queued.count == 1)
        #expect(queued.first?.changedFiles == ["gantry.yml", "old.txt", "src/new.py"])
        #expect(queued.first?.source == "github")
    }

    @Test(arguments: [
        "sha256=" + String(repeating: "0", count: 64), "sha256=zz", "", "sha1=abc",
    ])
    func aBadSignatureStartsNothing(signature: String) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let body = Self.push(fixture.commit)
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/hooks/github", method: .post,
                headers: Self.githubHeaders(delivery: "d-\(signature.count)", signature: signature),
                body: ByteBuffer(json: body)
            ) { #expect($0.status == .unauthorized) }
            // Signed with another secret.
            try await client.execute(
                uri: "/hooks/github", method: .post,
                headers: Self.githubHeaders(delivery: "d-other", signature: Self.sign(body, secret: "other")),
                body: ByteBuffer(json: body)
            ) { #expect($0.status == .unauthorized) }
        }
        #expect(try fixture.state.queuedRuns().isEmpty)
    }

    @Test func unknownProjectsPingsDeletedBranchesAndOtherBranchesStartNothing() async throws {
        let fixture = try ServerFixture { $0.projects[0].branches = ["main"] }
        defer { fixture.remove() }
        let ping = #"{"zen":"hi"}"#
        let deleted = #"{"ref":"refs/heads/old","deleted":true,"after":"\#(String(repeating: "0", count: 40))"}"#
        let other = Self.push(fixture.commit, ref: "refs/heads/feature")
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/hooks/github/nope", method: .post,
                headers: Self.githubHeaders(delivery: "x", signature: Self.sign(ping)), body: ByteBuffer(json: ping)
            ) { #expect($0.status == .notFound) }
            for (event, body) in [("ping", ping), ("push", deleted), ("push", other), ("issues", ping)] {
                try await client.execute(
                    uri: "/hooks/github", method: .post,
                    headers: Self.githubHeaders(event: event, delivery: UUID().uuidString, signature: Self.sign(body)),
                    body: ByteBuffer(json: body)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.json["status"] as? String == "ignored")
                }
            }
        }
        #expect(try fixture.state.queuedRuns().isEmpty)
    }

    @Test func aProjectWithoutASecretRefusesWebhooks() async throws {
        let fixture = try ServerFixture { $0.projects[0].webhookSecret = nil }
        defer { fixture.remove() }
        let body = Self.push(fixture.commit)
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/hooks/github", method: .post,
                headers: Self.githubHeaders(delivery: "d", signature: Self.sign(body)),
                body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "webhooks_disabled")
            }
        }
    }

    @Test func gitlabPushesAndMergeRequestsUseTheirOwnHeaders() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let push = """
            {"object_kind":"push","ref":"refs/heads/main","before":"\(String(repeating: "0", count: 40))",
             "after":"\(fixture.commit)","checkout_sha":"\(fixture.commit)",
             "commits":[{"added":["a.txt"],"modified":[],"removed":[]}]}
            """
        let mergeRequest = """
            {"object_kind":"merge_request","object_attributes":{"action":"update","source_branch":"feat",
             "last_commit":{"id":"\(fixture.commit)"}}}
            """
        @Sendable func headers(_ token: String, event: String, uuid: String) -> HTTPFields {
            [
                HTTPField.Name("X-Gitlab-Token")!: token, HTTPField.Name("X-Gitlab-Event")!: event,
                HTTPField.Name("X-Gitlab-Event-UUID")!: uuid,
            ]
        }
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/hooks/gitlab", method: .post, headers: headers("wrong", event: "Push Hook", uuid: "u0"),
                body: ByteBuffer(json: push)
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/hooks/gitlab", method: .post,
                headers: headers(ServerFixture.secret, event: "Push Hook", uuid: "u1"),
                body: ByteBuffer(json: push)
            ) { #expect($0.status == .accepted) }
            try await client.execute(
                uri: "/hooks/gitlab", method: .post,
                headers: headers(ServerFixture.secret, event: "Merge Request Hook", uuid: "u2"),
                body: ByteBuffer(json: mergeRequest)
            ) { response in
                #expect(response.status == .accepted)
                #expect(response.json["ref"] as? String == "refs/heads/feat")
            }
        }
        let queued = try fixture.state.queuedRuns()
        #expect(queued.count == 2)
        #expect(Set(queued.map(\.event)) == ["push", "merge_request"])
    }

    @Test func theGenericHookNeedsACommit() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        @Sendable func headers(_ body: String, _ delivery: String) -> HTTPFields {
            [
                HTTPField.Name("X-Gantry-Signature-256")!: Self.sign(body),
                HTTPField.Name("X-Gantry-Delivery")!: delivery,
            ]
        }
        let good = #"{"commit":"\#(fixture.commit)","ref":"refs/heads/main","changed_files":["a.py"]}"#
        let bad = #"{"commit":"main"}"#
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/hooks/generic", method: .post, headers: headers(bad, "g1"), body: ByteBuffer(json: bad)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(
                uri: "/hooks/generic", method: .post, headers: headers(good, "g2"), body: ByteBuffer(json: good)
            ) { #expect($0.status == .accepted) }
            // Signed but without a delivery id: refused, nothing queued twice by accident.
            try await client.execute(
                uri: "/hooks/generic", method: .post,
                headers: [HTTPField.Name("X-Gantry-Signature-256")!: Self.sign(good)], body: ByteBuffer(json: good)
            ) { #expect($0.status == .badRequest) }
        }
        #expect(try fixture.state.queuedRuns().map(\.changedFiles) == [["a.py"]])
    }

    /// Random bodies at every POST route: never a 5xx, and the server answers the next valid request.
    @Test func randomBodiesNeverBreakTheServer() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let routes = fixture.server.router().routes.filter { $0.method == .post }.map {
            "\($0.path)".replacingOccurrences(of: "{project}", with: "web").replacingOccurrences(
                of: "{id}", with: "q_1")
        }
        #expect(routes.count >= 8)
        let samples: [String] = [
            "", "null", "{}", "[]", "\"x\"", "{\"a\":", String(repeating: "[", count: 5000), "{\"commit\":null}",
            "\u{0}\u{1}\u{2}", "{\"project\":{\"x\":[1,2,{}]}}",
        ]
        try await fixture.routerApplication().test(.router) { client in
            var generator = SystemRandomNumberGenerator()
            for round in 0..<150 {
                let route = routes[round % routes.count]
                var body = samples[round % samples.count]
                if round >= samples.count {
                    body = String(
                        decoding: (0..<Int.random(in: 0..<300, using: &generator)).map { _ in
                            UInt8.random(in: 0...255, using: &generator)
                        }, as: UTF8.self)
                }
                let headers =
                    round % 2 == 0
                    ? fixture.headers(.admin)
                    : WebhookTests.githubHeaders(
                        delivery: "r\(round)", signature: Self.sign(body))
                try await client.execute(uri: route, method: .post, headers: headers, body: ByteBuffer(json: body)) {
                    response in
                    #expect(response.status.code < 500, "\(route) answered \(response.status) to \(body.prefix(40))")
                    // The API answers JSON errors; the dashboard's forms answer pages and redirects.
                    if route.hasPrefix("/api/") || route.hasPrefix("/hooks/") {
                        #expect(response.status.code == 200 || response.status.code == 202 || response.errorCode != nil)
                    }
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }
}
