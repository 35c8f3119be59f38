import Foundation
import GantryCore
import Hummingbird
import Logging

/// Turns every failure into the API's error body: `APIError` as it is, Hummingbird's own errors (no
/// route, body too large) with their status, and anything else as a 500 whose details go to the log,
/// not to the client (they may name paths or internals).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    /// The served routes: a known path with another method is 405, not 404.
    let routes: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let status = error.status
            let code: String
            let message: String
            switch status.code {
            case 404:
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    var refusal = APIError(
                        .methodNotAllowed, "method_not_allowed",
                        "\(request.method.rawValue) is not allowed on \(request.uri.path) (allowed: \(allowed.sorted().joined(separator: ", ")))"
                    )
                    refusal.headers[.allow] = allowed.sorted().joined(separator: ", ")
                    return try refusal.response(from: request, context: context)
                }
                code = "not_found"
                message = "no route \(request.method.rawValue) \(request.uri.path) (see /api/v1/openapi.yaml)"
            case 405:
                code = "method_not_allowed"
                message = "\(request.method.rawValue) is not allowed on \(request.uri.path)"
            case 413:
                code = "body_too_large"
                message = "the request body is larger than this server accepts"
            default:
                code = status.code < 500 ? "bad_request" : "internal"
                message = error.body ?? status.reasonPhrase
            }
            return try APIError(status, code, message).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return try APIError(.internalServerError, "internal", "the server failed; its log says why")
                .response(from: request, context: context)
        }
    }
}
