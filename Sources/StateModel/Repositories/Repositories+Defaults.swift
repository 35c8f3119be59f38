public import Foundation
public import GantryCore

// The usual arguments of the repository calls (now, no filter, the default limits), so callers say
// only what differs.

extension PromotionRepository {
    public func openPromotions() async throws -> [PromotionRecord] { try await openPromotions(app: nil) }

    public func promotions(app: String? = nil, environment: String? = nil) async throws -> [PromotionRecord] {
        try await promotions(app: app, environment: environment, limit: 100)
    }

    public func completePromotion(_ id: String, verified: Bool, detail: String) async throws {
        try await completePromotion(id, verified: verified, detail: detail, at: Date())
    }

    public func closeRolledBack(_ id: String, restored: PromotionRecord, detail: String) async throws {
        try await closeRolledBack(id, restored: restored, detail: detail, at: Date())
    }

    public func pointers() async throws -> [EnvironmentPointer] { try await pointers(app: nil) }
}

extension ApprovalRepository {
    public func upsertUser(name: String, role: String) async throws {
        try await upsertUser(name: name, role: role, at: Date())
    }

    /// One of `TOTPAttempt.limit` attempts, then a lockout of `TOTPAttempt.lockout`.
    public func beginTOTPAttempt(for name: String, at now: Date = Date()) async throws -> TOTPAttempt {
        try await beginTOTPAttempt(for: name, limit: TOTPAttempt.limit, lockout: TOTPAttempt.lockout, at: now)
    }
}

extension AuditLog {
    @discardableResult
    public func appendAudit(actor: String, action: String, subject: String, details: [String: String] = [:])
        async throws -> AuditEntry
    {
        try await appendAudit(actor: actor, action: action, subject: subject, details: details, at: Date())
    }
}

extension RolloutRepository {
    public func wantCanary(app: String, environment: String, digest: Digest, weight: Int) async throws {
        try await wantCanary(app: app, environment: environment, digest: digest, weight: weight, at: Date())
    }

    public func setCanaryWeight(app: String, environment: String, digest: Digest, weight: Int) async throws {
        try await setCanaryWeight(app: app, environment: environment, digest: digest, weight: weight, at: Date())
    }

    public func makeStable(app: String, environment: String, digest: Digest) async throws {
        try await makeStable(app: app, environment: environment, digest: digest, at: Date())
    }

    public func abortCanary(app: String, environment: String, digest: Digest) async throws {
        try await abortCanary(app: app, environment: environment, digest: digest, at: Date())
    }

    public func retireInstance(app: String, environment: String, digest: Digest) async throws {
        try await retireInstance(app: app, environment: environment, digest: digest, at: Date())
    }
}
