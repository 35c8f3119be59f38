import Foundation
import Hummingbird
import StateModel

/// Reads `Authorization: Bearer <token>` and sets the request's principal. A request without a valid
/// token goes on without one: each route says what role it needs, and a route that needs one answers
/// 401 with why the token was refused (malformed, unknown, revoked, expired). Public routes
/// (`/healthz`, webhooks…) ignore the header.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = ServerRequestContext
    let tokens: any TokenRepository
    let cache: TokenCache

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        var context = context
        switch try await authenticate(header) {
        case .success(let principal):
            context.principal = principal
            context.logger[metadataKey: "user"] = .string(principal.user)
        case .failure(let refusal):
            context.tokenRefusal = refusal.reason
        }
        return try await next(request, context)
    }

    private struct Refusal: Error {
        let reason: String
    }

    private func authenticate(_ header: String) async throws -> Result<Principal, Refusal> {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .failure(Refusal(reason: "the Authorization header must be 'Bearer <token>'"))
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard APITokens.looksLikeToken(token) else {
            return .failure(Refusal(reason: "that is not a Gantry token (they start with \(APITokens.prefix))"))
        }
        let now = Date()
        let hash = APITokens.hash(token)
        var record: APITokenRecord
        if let cached = cache.record(hash: hash, now: now) {
            record = cached
        } else {
            guard let stored = try await tokens.token(hash: hash) else {
                return .failure(Refusal(reason: "unknown token"))
            }
            record = stored
        }
        if record.revokedAt != nil { return .failure(Refusal(reason: "the token was revoked")) }
        if let expiry = record.expiresAt, expiry <= now { return .failure(Refusal(reason: "the token has expired")) }
        // Its use is noted at most once a minute: not a write per request.
        if record.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await tokens.touchToken(id: record.id, at: now)
            record.lastUsedAt = now
        }
        cache.store(record, now: now)
        return .success(Principal(user: record.user, role: record.role, tokenID: record.id))
    }
}
