public import Foundation

/// What an expression can see when it is evaluated.
public struct ExpressionContext: Sendable {
    /// Context roots: `env`, `matrix`, `steps`, `needs`, `run`, `secrets`.
    public var roots: [String: ExpressionValue]
    /// State for `success()`, `failure()`, `cancelled()`.
    public var status: Status
    /// The directory `hashFiles()` resolves globs against.
    public var workspace: URL?

    /// How the work before this point went: for a job, its needs; for a step, the earlier steps.
    public struct Status: Sendable, Hashable {
        public var failed: Bool
        public var cancelled: Bool
        public init(failed: Bool = false, cancelled: Bool = false) {
            self.failed = failed
            self.cancelled = cancelled
        }
    }

    public init(roots: [String: ExpressionValue] = [:], status: Status = .init(), workspace: URL? = nil) {
        self.roots = roots
        self.status = status
        self.workspace = workspace
    }
}

/// The problem an expression hit at run time (bad function call, wrong argument count).
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
