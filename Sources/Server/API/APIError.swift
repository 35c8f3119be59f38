import Foundation
import GantryCore
public import HTTPTypes
public import Hummingbird

/// An error the API answers with: `{"error": {"code", "message"}}` and its status. Messages say what
/// was wrong and what to send instead; they never quote a secret.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable machine-readable code (`bad_request`, `unauthorized`, `not_found`, `conflict`, …).
    public var code: String
    public var message: String
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    public static func invalid(_ message: String) -> APIError {
        APIError(.unprocessableContent, "validation_failed", message)
    }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    public static func conflict(_ message: String) -> APIError { APIError(.conflict, "conflict", message) }
    public static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, "unauthorized", message)
        error.headers[.wwwAuthenticate] = "Bearer realm=\"gantry\""
        return error
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body: Self.body(code: code, message: message))
        for field in headers { response.headers.append(field) }
        return response
    }

    static func body(code: String, message: String) -> Data {
        let text = "{\"error\":{\"code\":\(JSONText.quote(code)),\"message\":\(JSONText.quote(message))}}\n"
        return Data(text.utf8)
    }
}
