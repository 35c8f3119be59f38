import Foundation
import Release
import Store
import Testing

@Suite struct ApprovalTests {
    /// dev → staging (one releaser) → prod (two of releaser/admin, with TOTP).
    func promotedToStaging(_ fixture: ReleaseFixture) async throws -> String {
        let digest = try fixture.pack("1.0.0")
        for (name, role) in [("alice", "releaser"), ("bob", "releaser"), ("carol", "admin"), ("vic", "viewer")] {
            try fixture.state.upsertUser(name: name, role: role)
        }
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
        let waiting = try await fixture.promoter().promote(app: "web", to: "staging", source: .environment("dev"))
        _ = try await fixture.promoter(actor: "alice").approve(
            promotionID: waiting.promotion.id, as: "alice", totpCode: nil)
        return digest
    }

    func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as ReleaseError {
            guard case .approvalRefused(let message) = error else { return "unexpected: \(error)" }
            return message
        } catch {
            return "unexpected: \(error)"
        }
    }

    @Test func anApprovalByAnAllowedUserDeploysAndOthersAreRefused() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        try fixture.state.upsertUser(name: "alice", role: "releaser")
        try fixture.state.upsertUser(name: "dana", role: "releaser")
        try fixture.state.upsertUser(name: "vic", role: "viewer")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
        let waiting = try await fixture.promoter().promote(app: "web", to: "staging", source: .environment("dev"))
        #expect(waiting.promotion.status == .awaitingApproval)
        #expect(waiting.checks.last?.result == .pending)
        #expect(fixture.deploys().count == 1)
        let id = waiting.promotion.id
        let selfApproval = await refusal {
            _ = try await fixture.promoter(actor: "dana").approve(promotionID: id, as: "dana", totpCode: nil)
        }
        #expect(selfApproval?.contains("cannot approve it too") == true)
        let stranger = await refusal {
            _ = try await fixture.promoter(actor: "mallory").approve(promotionID: id, as: "mallory", totpCode: nil)
        }
        #expect(stranger?.contains("not a user") == true)
        let viewer = await refusal {
            _ = try await fixture.promoter(actor: "vic").approve(promotionID: id, as: "vic", totpCode: nil)
        }
        #expect(viewer?.contains("role viewer") == true)
        #expect(try fixture.state.approvals(of: id).isEmpty)
        #expect(try fixture.state.pointer(app: "web", environment: "staging") == nil)

        let approved = try await fixture.promoter(actor: "alice").approve(promotionID: id, as: "alice", totpCode: nil)
        #expect(approved.promotion.status == .succeeded)
        #expect(try fixture.state.pointer(app: "web", environment: "staging")?.digest.description == digest)
        #expect(fixture.deploys().last == "staging \(digest)")
        // It is closed: approving again is an input error.
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter(actor: "alice").approve(promotionID: id, as: "alice", totpCode: nil)
        }
        let actions = try fixture.state.auditEntries().map(\.action)
        #expect(actions.filter { $0 == "approve.refused" }.count == 3)
        #expect(actions.contains("approve"))
    }

    @Test func totpCodesMustBeValidCurrentAndUnused() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try await promotedToStaging(fixture)
        let bobSecret = Array("bob-secret-0123456789".utf8)
        let carolSecret = Array("carol-secret-01234567".utf8)
        try fixture.state.setTOTPSecret(Base32.encode(bobSecret), for: "bob")
        try fixture.state.setTOTPSecret(Base32.encode(carolSecret), for: "carol")
        let waiting = try await fixture.promoter().promote(app: "web", to: "prod", source: .environment("staging"))
        let id = waiting.promotion.id
        #expect(waiting.promotion.approvalsRequired == 2)
        let now = Date()
        let bob = TOTP(secret: bobSecret)

        let missing = await refusal {
            _ = try await fixture.promoter(actor: "bob").approve(promotionID: id, as: "bob", totpCode: nil, at: now)
        }
        #expect(missing?.contains("needs a TOTP code") == true)
        let wrong = await refusal {
            _ = try await fixture.promoter(actor: "bob").approve(
                promotionID: id, as: "bob", totpCode: TOTP(secret: carolSecret).code(at: now), at: now)
        }
        #expect(wrong?.contains("wrong or expired") == true)
        let expired = await refusal {
            _ = try await fixture.promoter(actor: "bob").approve(
                promotionID: id, as: "bob", totpCode: bob.code(at: now.addingTimeInterval(-120)), at: now)
        }
        #expect(expired?.contains("wrong or expired") == true)
        let notEnrolled = await refusal {
            _ = try await fixture.promoter(actor: "alice").approve(
                promotionID: id, as: "alice", totpCode: "123456", at: now)
        }
        #expect(notEnrolled?.contains("not enrolled") == true)
        #expect(try fixture.state.approvals(of: id).isEmpty)

        let code = bob.code(at: now)
        let first = try await fixture.promoter(actor: "bob").approve(
            promotionID: id, as: "bob", totpCode: code, at: now)
        #expect(first.promotion.status == .awaitingApproval)
        #expect(first.checks.last?.detail == "1/2")
        let twice = await refusal {
            _ = try await fixture.promoter(actor: "bob").approve(promotionID: id, as: "bob", totpCode: code, at: now)
        }
        #expect(twice?.contains("already approved") == true)

        let done = try await fixture.promoter(actor: "carol").approve(
            promotionID: id, as: "carol", totpCode: TOTP(secret: carolSecret).code(at: now), at: now)
        #expect(done.promotion.status == .succeeded)
        #expect(try fixture.state.pointer(app: "web", environment: "prod")?.digest.description == digest)
        #expect(try fixture.state.approvals(of: id).map(\.approver) == ["bob", "carol"])

        // Bob's code was used once; replaying it for another promotion is refused.
        let second = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(second))
        let next = try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(second))
        _ = try await fixture.promoter(actor: "alice").approve(
            promotionID: next.promotion.id, as: "alice", totpCode: nil)
        let prod = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(second))
        let replay = await refusal {
            _ = try await fixture.promoter(actor: "bob").approve(
                promotionID: prod.promotion.id, as: "bob", totpCode: code, at: now)
        }
        #expect(replay?.contains("already used") == true)
    }

    @Test func aPromotionWaitingForApprovalHoldsTheLockUntilCancelledOrRejected() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let first = try fixture.pack("1.0.0")
        let second = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(first))
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(second))
        let waiting = try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(first))
        await #expect(throws: PromotionConflict.self) {
            try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(second))
        }
        let cancelled = try await fixture.promoter().cancel(promotionID: waiting.promotion.id, reason: "wrong digest")
        #expect(cancelled.status == .cancelled)
        let again = try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(second))
        #expect(again.promotion.status == .awaitingApproval)
        _ = try await fixture.promoter().reject(app: "web", digest: second, reason: "found a bug")
        #expect(try fixture.state.promotion(id: again.promotion.id)?.status == .cancelled)
        #expect(try fixture.state.openPromotion(app: "web", environment: "staging") == nil)
    }

    @Test func repeatedWrongCodesLockTOTPApprovalsForAWhile() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        _ = try await promotedToStaging(fixture)
        let secret = Array("bob-secret-0123456789".utf8)
        try fixture.state.setTOTPSecret(Base32.encode(secret), for: "bob")
        let waiting = try await fixture.promoter().promote(app: "web", to: "prod", source: .environment("staging"))
        let now = Date()
        let good = TOTP(secret: secret).code(at: now)
        let wrong = good == "000000" ? "111111" : "000000"
        var last: String?
        for _ in 0..<5 {
            last = await refusal {
                _ = try await fixture.promoter(actor: "bob").approve(
                    promotionID: waiting.promotion.id, as: "bob", totpCode: wrong, at: now)
            }
        }
        #expect(last?.contains("locked out of TOTP until") == true)
        let locked = await refusal {
            _ = try await fixture.promoter(actor: "bob").approve(
                promotionID: waiting.promotion.id, as: "bob", totpCode: good, at: now)
        }
        #expect(locked?.contains("too many wrong TOTP codes") == true)
        #expect(try fixture.state.approvals(of: waiting.promotion.id).isEmpty)
        // After the lock, a current code works.
        let later = now.addingTimeInterval(16 * 60)
        let outcome = try await fixture.promoter(actor: "bob").approve(
            promotionID: waiting.promotion.id, as: "bob", totpCode: TOTP(secret: secret).code(at: later), at: later)
        #expect(outcome.checks.last?.detail == "1/2")
    }
}
