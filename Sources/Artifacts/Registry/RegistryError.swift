public import GantryCore

/// What can go wrong talking to a registry. Credentials never appear in these messages.
public enum RegistryError: GantryError, Equatable {
    /// The registry refused (4xx other than auth): the message carries its error code and text.
    case refused(String)
    /// Authentication failed or is missing.
    case unauthorized(String)
    /// The registry kept failing (5xx, timeouts, connection errors) after every retry.
    case unavailable(String)
    /// The circuit breaker for this registry is open after repeated failures.
    case circuitOpen(String)
    /// Content did not match its digest.
    case digestMismatch(String)
    /// Something that is not there.
    case notFound(String)
    /// An unusable document (manifest, index, token response).
    case malformed(String)

    public var description: String {
        switch self {
        case .refused(let message), .unauthorized(let message), .unavailable(let message),
            .circuitOpen(let message), .digestMismatch(let message), .notFound(let message),
            .malformed(let message):
            message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .unavailable, .circuitOpen: .infrastructure
        case .digestMismatch: .failure
        case .refused, .unauthorized, .notFound, .malformed: .inputError
        }
    }
}
