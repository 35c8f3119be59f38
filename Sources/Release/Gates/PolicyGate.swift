public import GantryCore
public import Pipeline

/// What a policy gate decided for one digest and environment.
public struct PolicyDecision: Sendable, Hashable {
    public var passed: Bool
    /// Why, in words (the rules that failed, or what was evaluated).
    public var detail: String

    public init(passed: Bool, detail: String) {
        self.passed = passed
        self.detail = detail
    }
}

/// The hook where policy rules run during a promotion, after the signature, seal, `requires` and
/// rejection checks and before approvals. The policy module provides the real gate.
public protocol PolicyGate: Sendable {
    /// Evaluates `environment.policy` for exactly `digest` of `app`.
    func evaluate(app: String, digest: Digest, environment: EnvironmentDefinition) async throws -> PolicyDecision
}
