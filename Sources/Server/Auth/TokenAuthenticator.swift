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
        let parts = header.split(separator: " ", maxSplits: 1)
        let verdict =
            parts.count == 2 && parts[0].lowercased() == "bearer"
            ? try await verify(Self.trimmed(parts[1]))
            : .failure(Refusal(reason: "the Authorization header must be 'Bearer <token>'"))
        switch verdict {
        case .success(let verified):
            context.principal = verified.principal
            context.logger[metadataKey: "user"] = .string(verified.principal.user)
        case .failure(let refusal):
            context.tokenRefusal = refusal.reason
        }
        return try await next(request, context)
    }

    /// Without surrounding spaces and tabs (cheaper than Foundation's trimming, on every request).
    private static func trimmed(_ text: Substring) -> String {
        var text = text
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }

    /// Why a token was refused, for the 401 (or the sign-in page).
    struct Refusal: Error {
        let reason: String
    }

    /// Who `token` acts as, and until when, or why it is refused.
    func verify(_ token: String) async throws -> Result<(principal: Principal, expires: Date?), Refusal> {
        guard APITokens.looksLikeToken(token) else {
            return .failure(Refusal(reason: "that is not a Gantry token (they start with \(APITokens.prefix))"))
        }
        let now = Date()
        let hash = APITokens.hash(token)
        let record: APITokenRecord
        if let cached = cache.record(hash: hash, now: now) {
            record = cached
        } else {
            guard let stored = try await tokens.token(hash: hash) else {
                return .failure(Refusal(reason: "unknown token"))
            }
            record = stored
            cache.store(stored, now: now)
        }
        if record.revokedAt != nil { return .failure(Refusal(reason: "the token was revoked")) }
        if let expiry = record.expiresAt, expiry <= now { return .failure(Refusal(reason: "the token has expired")) }
        // Its use is noted at most once a minute: not a write per request.
        if record.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await tokens.touchToken(id: record.id, at: now)
            cache.noteUse(hash: hash, at: now)
        }
        return .success((Principal(user: record.user, role: record.role, tokenID: record.id), record.expiresAt))
    }
}
