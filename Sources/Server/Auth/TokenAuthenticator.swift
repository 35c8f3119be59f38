import Foundation
import Hummingbird
import StateModel

/// Reads `Authorization: Bearer <token>` and sets the request's principal. A request without a token
/// goes on without one (each route says what role it needs); a token that is malformed, unknown,
/// revoked or expired is refused here with 401.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = ServerRequestContext
    let tokens: any TokenRepository

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard APITokens.looksLikeToken(token) else {
            throw APIError.unauthorized("that is not a Gantry token (they start with \(APITokens.prefix))")
        }
        let now = Date()
        guard let record = try await tokens.token(hash: APITokens.hash(token)) else {
            throw APIError.unauthorized("unknown token")
        }
        if record.revokedAt != nil { throw APIError.unauthorized("the token was revoked") }
        if let expiry = record.expiresAt, expiry <= now { throw APIError.unauthorized("the token has expired") }
        try await tokens.touchToken(id: record.id, at: now)
        var context = context
        context.principal = Principal(user: record.user, role: record.role, tokenID: record.id)
        context.logger[metadataKey: "user"] = .string(record.user)
        return try await next(request, context)
    }
}
