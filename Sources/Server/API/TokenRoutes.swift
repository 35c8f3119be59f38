import Foundation
import GantryCore
import Hummingbird
import StateModel

/// `/api/v1/tokens` (admin): list, create and revoke API tokens. A created token is in the response
/// once; only its hash is kept.
struct TokenRoutes {
    let services: ServerServices

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/tokens") { _, context in
            _ = try context.require(.admin)
            return JSONResponse.encode(["tokens": try await services.state.tokens().map(TokenSummary.init)])
        }
        router.post("/api/v1/tokens") { request, context in
            let admin = try context.require(.admin)
            let body = try await RequestBody.object(
                request, limit: services.configuration.maxBodySize, allowed: ["user", "role", "expires_in"])
            let user = try body.string("user", required: true) ?? ""
            let roleText = try body.string("role", required: true) ?? ""
            guard let role = ServerRole(rawValue: roleText) else {
                throw APIError.invalid(
                    "unknown role '\(roleText)' (expected \(ServerRole.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            var expiresAt: Date?
            if let text = try body.string("expires_in") {
                do {
                    let duration = try DurationParser.parse(text)
                    expiresAt = Date().addingTimeInterval(Double(duration.components.seconds))
                } catch {
                    throw APIError.invalid("expires_in: \(error)")
                }
            }
            let issued: (token: String, record: APITokenRecord)
            do {
                issued = try APITokens.issue(user: user, role: role, expiresAt: expiresAt)
            } catch {
                throw APIError.invalid("\(error)")
            }
            try await services.state.addToken(issued.record)
            _ = try await services.state.appendAudit(
                actor: admin.user, action: "tokens.create", subject: "token:\(issued.record.id)",
                details: ["user": user, "role": role.rawValue], at: Date())
            struct Created: JSONWritable {
                var token: String
                var info: TokenSummary

                func writeJSON(to out: inout JSONWriter) {
                    out.object { out in
                        out.field("info", info)
                        out.field("token", token)
                    }
                }
            }
            return JSONResponse.encode(
                Created(token: issued.token, info: TokenSummary(issued.record)), status: .created)
        }
        router.delete("/api/v1/tokens/{id}") { _, context in
            let admin = try context.require(.admin)
            let id = try context.parameters.require("id")
            guard try await services.state.revokeToken(id: id, at: Date()) else {
                throw APIError.notFound("no active token '\(id)'")
            }
            services.tokenCache.forget(id: id)
            services.sessions.end(tokenID: id)
            _ = try await services.state.appendAudit(
                actor: admin.user, action: "tokens.revoke", subject: "token:\(id)", details: [:], at: Date())
            return JSONResponse.encode(["revoked": id])
        }
    }
}
