/// The process exit codes every Gantry command uses.
public enum ExitStatus: Int32, Sendable {
    /// Everything succeeded.
    case success = 0
    /// A job, gate or check failed.
    case failure = 1
    /// The user gave bad input: usage, a malformed file, an unknown name.
    case inputError = 2
    /// Gantry itself could not work: disk, database, a child process that could not start.
    case infrastructure = 3
    /// Stopped by SIGINT (Ctrl-C), after cleaning up: 128 + 2, as shells report it.
    case interrupted = 130
    /// Stopped by SIGTERM, after cleaning up: 128 + 15.
    case terminated = 143
}

/// An error Gantry reports to a user, with the exit code it maps to.
public protocol GantryError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

extension DiagnosticsError: GantryError {
    public var exitStatus: ExitStatus { .inputError }
}

/// A plain input error with a message a user can act on.
public struct InputError: GantryError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var exitStatus: ExitStatus { .inputError }
}

/// A failure of the machine or storage rather than of the user's input.
public struct InfrastructureError: GantryError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var exitStatus: ExitStatus { .infrastructure }
}
