import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

@Suite struct AdministrationTests {
    @Test func usersAreManagedByAdminsAsOnTheCommandLineAndWaiversListed() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try """
        waivers:
          - id: W-1
            package: flask
            reason: fixed upstream next week
            approved_by: alice
            expires: 2099-01-01
        """.write(
            to: fixture.directory.url.appendingPathComponent("data/waivers.yml"), atomically: true, encoding: .utf8)
        try await fixture.routerApplication().test(.router) { client in
            func add(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/users", method: .post, headers: fixture.headers(.admin), body: ByteBuffer(json: body))
            }
            // The first user must be an admin; then the token's user must be one of them.
            #expect(try await add(#"{"name":"bob","role":"releaser"}"#).status == .unprocessableContent)
            #expect(try await add(#"{"name":"admin-user","role":"admin"}"#).status == .ok)
            let bob = try await add(#"{"name":"bob","role":"releaser"}"#)
            #expect(bob.status == .ok)
            #expect(bob.json["change"] as? String == "added")
            #expect(try await add(#"{"name":"eve","role":"overlord"}"#).status == .unprocessableContent)
            try await client.execute(
                uri: "/api/v1/users", method: .post, headers: fixture.headers(.releaser),
                body: ByteBuffer(json: #"{"name":"eve","role":"admin"}"#)
            ) { #expect($0.status == .forbidden) }
            let users = try await client.execute(uri: "/api/v1/users", method: .get, headers: fixture.headers(.admin))
            let names = (users.json["users"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(Set(names ?? []) == ["admin-user", "bob"])
            let waivers = try await client.execute(
                uri: "/api/v1/waivers", method: .get, headers: fixture.headers(.viewer))
            let waiver = (waivers.json["waivers"] as? [[String: Any]])?.first
            #expect(waiver?["id"] as? String == "W-1")
            #expect(waiver?["expired"] as? Bool == false)
        }
        // A second admin token whose user is not an admin user may not add users.
        let other = try APITokens.issue(user: "mallory", role: .admin, expiresAt: nil)
        try fixture.state.addToken(other.record)
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/users", method: .post,
                headers: [.authorization: "Bearer \(other.token)", .contentType: "application/json"],
                body: ByteBuffer(json: #"{"name":"mallory","role":"admin"}"#)
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "approval_refused")
            }
        }
    }
}
