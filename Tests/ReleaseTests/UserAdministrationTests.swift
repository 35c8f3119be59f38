import Foundation
import GantryCore
import Release
import Store
import Testing

/// The trust model of users and TOTP enrolment.
@Suite struct UserAdministrationTests {
    func administration(_ fixture: ReleaseFixture) throws -> UserAdministration {
        UserAdministration(
            state: fixture.repositories, secrets: try TOTPSecretBox(stateDirectory: fixture.stateDirectory))
    }

    func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theFirstUserIsAnAdminAndOnlyAdminsAddUsers() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let users = try administration(fixture)
        #expect(
            await refusal { try await users.addUser("alice", role: "releaser", actor: "alice", totp: nil) }?
                .contains("the first user must be an admin") == true)
        try await users.addUser("ops", role: "admin", actor: "ops", totp: nil)
        try await users.addUser("alice", role: "releaser", actor: "ops", totp: nil)
        let refused = await refusal { try await users.addUser("mallory", role: "admin", actor: "alice", totp: nil) }
        #expect(refused?.contains("only an admin may do this, and 'alice' is not one") == true)
        #expect(try fixture.state.user("mallory") == nil)
        let actions = try fixture.state.auditEntries(limit: 100).map(\.action)
        #expect(actions.contains("users.add.refused"))
    }

    /// Before: the requester of a prod promotion could re-enrol the approver's TOTP and approve as them.
    @Test func nobodyElseReplacesAnEnrolmentWithoutProof() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let users = try administration(fixture)
        try await users.addUser("ops", role: "admin", actor: "ops", totp: nil)
        try await users.addUser("bob", role: "releaser", actor: "ops", totp: nil)
        try await users.addUser("dana", role: "releaser", actor: "ops", totp: nil)
        let bob = try await users.enrollTOTP("bob", actor: "bob", totp: nil)

        // dana (not an admin) may not enrol bob.
        #expect(
            await refusal { _ = try await users.enrollTOTP("bob", actor: "dana", totp: nil) }?.contains("only an admin")
                == true)
        // bob himself must prove the current secret to replace it.
        let now = Date()
        #expect(await refusal { _ = try await users.enrollTOTP("bob", actor: "bob", totp: "000000", at: now) } != nil)
        // An admin who is not enrolled cannot replace it either.
        #expect(
            await refusal { _ = try await users.enrollTOTP("bob", actor: "ops", totp: nil) }?
                .contains("needs an admin enrolled for TOTP") == true)
        // With bob's current code it works, and the old secret stops working.
        let replaced = try await users.enrollTOTP("bob", actor: "bob", totp: bob.code(at: now), at: now)
        #expect(replaced.secret != bob.secret)
    }

    @Test func enrollingAgainNeverLiftsALockout() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let users = try administration(fixture)
        try await users.addUser("ops", role: "admin", actor: "ops", totp: nil)
        let ops = try await users.enrollTOTP("ops", actor: "ops", totp: nil)
        try await users.addUser("bob", role: "releaser", actor: "ops", totp: ops.code(at: Date()))
        _ = try await users.enrollTOTP("bob", actor: "bob", totp: nil)
        for _ in 0..<5 { _ = try fixture.state.beginTOTPAttempt(for: "bob") }
        let now = Date().addingTimeInterval(60)
        _ = try await users.enrollTOTP("bob", actor: "ops", totp: ops.code(at: now), at: now)
        #expect(try fixture.state.user("bob")?.totpLockedUntil ?? .distantPast > Date())
    }

    /// Before: 40 concurrent wrong codes got 12 checks; the count is now taken in the transaction.
    @Test func fortyConcurrentAttemptsGetAtMostFiveChecks() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        try fixture.state.upsertUser(name: "bob", role: "releaser")
        let state = fixture.state
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    if case .allowed = try state.beginTOTPAttempt(for: "bob") { return true }
                    return false
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 5)
    }

    /// Before: TOTP secrets sat in state.db in clear, readable by any local user.
    @Test func secretsAreEncryptedAtRestAndBoundToTheUser() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let users = try administration(fixture)
        try await users.addUser("ops", role: "admin", actor: "ops", totp: nil)
        let totp = try await users.enrollTOTP("ops", actor: "ops", totp: nil)
        let stored = try #require(try fixture.state.user("ops")?.totpSecret)
        #expect(stored.hasPrefix("enc:v1:"))
        #expect(!stored.contains(Base32.encode(totp.secret)))
        let box = try TOTPSecretBox(stateDirectory: fixture.stateDirectory)
        #expect(box.open(stored, user: "ops") == totp.secret)
        #expect(box.open(stored, user: "bob") == nil)
        let keyPath = fixture.stateDirectory.appendingPathComponent("keys/totp.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o600)
    }
}
