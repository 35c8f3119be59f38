import GantryCore

/// A failure to open, migrate or use the state database.
public struct StoreError: GantryError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var exitStatus: ExitStatus { .infrastructure }
}
