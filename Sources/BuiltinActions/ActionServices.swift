public import Artifacts
public import Attestation
public import Engine
public import StateModel

/// What the built-in actions use, handed in by the composition root instead of opened from a path:
/// each is opened on first use (a run that packs nothing creates no artifact store) and shared after.
public struct ActionServices: Sendable {
    /// The state (run records, audit).
    public var state: @Sendable () throws -> any StateRepositories
    /// The artifact store packs go to.
    public var artifacts: @Sendable () throws -> ArtifactStore
    /// The vulnerability database (`GANTRY_VULNDB`, else the state's).
    public var vulnerabilities: @Sendable () throws -> any VulnerabilityDatabase
    /// The key packs are signed with; nil when none is configured.
    public var signingKey: @Sendable () throws -> SigningKey?

    public init(
        state: @escaping @Sendable () throws -> any StateRepositories,
        artifacts: @escaping @Sendable () throws -> ArtifactStore,
        vulnerabilities: @escaping @Sendable () throws -> any VulnerabilityDatabase,
        signingKey: @escaping @Sendable () throws -> SigningKey?
    ) {
        self.state = state
        self.artifacts = artifacts
        self.vulnerabilities = vulnerabilities
        self.signingKey = signingKey
    }
}

/// The actions `uses: gantry/<name>` can name, built on `services`.
public enum BuiltinActionSet {
    public static func registry(_ services: ActionServices) -> ActionRegistry {
        ActionRegistry([
            SetOutputsAction(), EchoAction(), HashFilesAction(), PackAction(services: services),
            ScanSecretsAction(), ScanVulnsAction(services: services), ScanDockerfileAction(), ScanTerraformAction(),
        ])
    }

    /// The names of the built-in actions, for validation where nothing runs (`gantry validate`).
    public static var names: ActionRegistry {
        let unavailable: @Sendable () throws -> Never = {
            throw ActionError("validation only: no stores are available to built-in actions here")
        }
        return registry(
            ActionServices(
                state: { try unavailable() }, artifacts: { try unavailable() },
                vulnerabilities: { try unavailable() }, signingKey: { try unavailable() }))
    }
}
