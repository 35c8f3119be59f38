public import Foundation
public import GantryCore

/// A step implemented inside Gantry (`uses: gantry/<name>`), with `with:` inputs and step outputs.
public protocol BuiltinAction: Sendable {
    /// The part after `gantry/`.
    static var name: String { get }
    /// Input names the action accepts; others are refused before it runs.
    static var inputs: [String] { get }
    /// Runs the action. Thrown errors fail the step with their message.
    func run(_ invocation: ActionInvocation) async throws -> [String: String]
}

/// What an action gets to work with.
public struct ActionInvocation: Sendable {
    /// Rendered `with:` values.
    public var with: [String: String]
    /// The step's working directory.
    public var workingDirectory: URL
    /// The step's environment.
    public var environment: [String: String]
    /// The run and job the step belongs to, for provenance.
    public var run: RunInfo
    /// Prints a line to the job log (masked like any output).
    public var log: @Sendable (String) -> Void
}

/// What an action may record about the run it is part of.
public struct RunInfo: Sendable {
    public var runID: String
    public var correlation: String
    public var job: String
    public var commit: String?
    public var branch: String?
    public var pipelineFile: String
    public var pipelineDigest: Digest
    public var startedAt: Date
    /// Uncommitted changes of the working tree when the run started (nil outside git).
    public var uncommittedChanges: [String]? = nil
}

/// An action failure shown to the user as the step's error.
public struct ActionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The actions `uses: gantry/<name>` can name. The engine knows none itself: the composition root
/// registers the built-in ones (module BuiltinActions) with the stores they use.
public struct ActionRegistry: Sendable {
    private var actions: [String: any BuiltinAction]

    public init(_ actions: [any BuiltinAction] = []) {
        self.actions = Dictionary(actions.map { (type(of: $0).name, $0) }, uniquingKeysWith: { $1 })
    }

    /// Names of the known actions, sorted.
    public var names: [String] { actions.keys.sorted() }

    /// The action for `gantry/<name>`.
    public func action(named name: String) -> (any BuiltinAction)? { actions[name] }
}
