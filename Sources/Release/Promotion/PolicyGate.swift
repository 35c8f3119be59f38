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
    func evaluate(app: String, digest: String, environment: EnvironmentDefinition) throws -> PolicyDecision
}

/// The gate used until a policy module is installed: passes when the environment declares no
/// `policy:`, and refuses when it does, since rules that cannot be evaluated must not pass silently.
public struct UnavailablePolicyGate: PolicyGate {
    public init() {}

    public func evaluate(app: String, digest: String, environment: EnvironmentDefinition) throws -> PolicyDecision {
        guard environment.policy != nil else {
            return PolicyDecision(passed: true, detail: "no policy configured for \(environment.name)")
        }
        return PolicyDecision(
            passed: false,
            detail:
                "environments.\(environment.name).policy is set but this build of gantry cannot evaluate policy rules")
    }
}
