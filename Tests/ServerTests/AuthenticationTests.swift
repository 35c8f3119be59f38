import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite struct AuthenticationTests {
    @Test func publicRoutesNeedNoTokenAndAPIRoutesDo() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("# TYPE gantry_queue_depth gauge"))
            }
            try await client.execute(uri: "/api/v1/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("openapi: 3.1.0"))
            }
            try await client.execute(uri: "/api/v1/runs", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "unauthorized")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
        }
    }

    @Test(arguments: [
        ("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'"),
        ("Bearer not-a-token", "not a Gantry token"),
        ("Bearer gantry_" + String(repeating: "0", count: 48), "unknown token"),
    ])
    func badTokensAreRefused(header: String, message: String) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: [.authorization: header]) { response in
                #expect(response.status == .unauthorized)
                let error = response.json["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.contains(message) == true)
            }
        }
    }

    @Test func revokedAndExpiredTokensAreRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let state = try fixture.state
        let expired = try APITokens.issue(
            user: "old", role: .admin, expiresAt: Date().addingTimeInterval(-1), now: Date().addingTimeInterval(-60))
        try state.addToken(expired.record)
        let viewer = try #require(try state.tokens().first { $0.user == "viewer-user" })
        #expect(try state.revokeToken(id: viewer.id))
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .get, headers: [.authorization: "Bearer \(expired.token)"]
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("expired"))
            }
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: fixture.headers(.viewer)) {
                response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("revoked"))
            }
        }
    }

    @Test func publicRoutesIgnoreABadTokenAndKnownPathsAnswer405ToOtherMethods() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let bogus: HTTPFields = [.authorization: "Bearer gantry_" + String(repeating: "1", count: 48)]
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get, headers: bogus) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get, headers: bogus) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/runs", method: .delete, headers: fixture.headers(.admin)) {
                response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, POST")
                #expect(response.errorCode == "method_not_allowed")
            }
            try await client.execute(uri: "/api/v1/tokens/tok_1", method: .get, headers: fixture.headers(.admin)) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.allow] == "DELETE")
            }
        }
    }

    @Test func aRoleTooLowIsForbidden() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let body = #"{"project":"web","commit":"\#(fixture.commit)"}"#
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: fixture.headers(.viewer), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "forbidden")
            }
            try await client.execute(uri: "/api/v1/tokens", method: .get, headers: fixture.headers(.releaser)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: fixture.headers(.viewer)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func anAdminCreatesATokenShownOnceAndRevokesIt() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.routerApplication().test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: fixture.headers(.admin),
                body: ByteBuffer(json: #"{"user":"carol","role":"viewer","expires_in":"1d"}"#))
            #expect(created.status == .created)
            let token = try #require(created.json["token"] as? String)
            let info = try #require(created.json["info"] as? [String: Any])
            let id = try #require(info["id"] as? String)
            #expect(info["expires_at"] != nil)

            try await client.execute(
                uri: "/api/v1/projects", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/tokens", method: .get, headers: fixture.headers(.admin)) {
                response in
                let text = String(buffer: response.body)
                #expect(text.contains(id))
                // The list never carries a secret or its hash.
                #expect(!text.contains(token))
                #expect(!text.contains(APITokens.hash(token)))
            }
            try await client.execute(uri: "/api/v1/tokens/\(id)", method: .delete, headers: fixture.headers(.admin)) {
                #expect($0.status == .ok)
            }
            try await client.execute(
                uri: "/api/v1/projects", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/tokens/\(id)", method: .delete, headers: fixture.headers(.admin)) {
                #expect($0.status == .notFound)
            }
        }
        let audit = try fixture.state.auditEntries(limit: 10).map(\.action)
        #expect(audit.contains("tokens.create"))
        #expect(audit.contains("tokens.revoke"))
    }
}
