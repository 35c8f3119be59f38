import Foundation
import Store
import Testing

@testable import Server

@Suite struct TokenCacheTests {
    /// A busy client must not keep a token alive: revoked by another process (straight in the store,
    /// as `gantry tokens revoke` does), it is refused once the cached entry's lifetime has passed,
    /// however often it is used meanwhile.
    @Test func aTokenRevokedElsewhereStopsWorkingUnderContinuousUse() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let issued = try APITokens.issue(user: "busy", role: .viewer, expiresAt: nil)
        try fixture.state.addToken(issued.record)
        let authenticator = TokenAuthenticator(
            tokens: fixture.server.services.state, cache: TokenCache(lifetime: 0.3))
        guard case .success = try await authenticator.verify(issued.token) else {
            Issue.record("a fresh token was refused")
            return
        }
        #expect(try fixture.state.revokeToken(id: issued.record.id))
        var refusal: String?
        for _ in 0..<500 where refusal == nil {
            if case .failure(let why) = try await authenticator.verify(issued.token) { refusal = why.reason }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(refusal == "the token was revoked")
        #expect(!APITokens.looksLikeToken(issued.token.uppercased()))
        #expect(!APITokens.looksLikeToken(issued.token + "0"))
        #expect(!APITokens.looksLikeToken(String(issued.token.dropLast()) + "é"))
    }
}
