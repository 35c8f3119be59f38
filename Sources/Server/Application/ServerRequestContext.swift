public import Hummingbird
public import StateModel

/// Hummingbird's request context plus who the request acts as (set by `TokenAuthenticator`).
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil until a token was checked (public routes and webhooks never have one).
    public var principal: Principal?
    /// Why the request's token was refused, when it carried one that was.
    public var tokenRefusal: String?
    /// The client's IP address (for limiting failed sign-ins), or `unknown`.
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.tokenRefusal = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The principal, if its role is at least `role`: 401 without a token, 403 with a lower role.
    public func require(_ role: ServerRole) throws(APIError) -> Principal {
        guard let principal else {
            throw APIError.unauthorized(tokenRefusal ?? "this route needs a token (Authorization: Bearer …)")
        }
        guard principal.role >= role else {
            throw APIError(
                .forbidden, "forbidden",
                "this needs the \(role) role; \(principal.user)'s token has \(principal.role)")
        }
        return principal
    }
}
