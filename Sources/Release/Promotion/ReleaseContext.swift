public import Artifacts
public import Attestation
public import Foundation
import GantryCore
public import Pipeline
public import Policy
import Processes
public import StateModel

/// Where a release operation prints: progress lines, and the output of deploy and health commands.
public struct ReleaseReporter: Sendable {
    public var line: @Sendable (String) -> Void
    public var commandOutput: CommandRunner.OutputHandler

    public init(line: @escaping @Sendable (String) -> Void, commandOutput: @escaping CommandRunner.OutputHandler) {
        self.line = line
        self.commandOutput = commandOutput
    }

    /// Prints nothing (tests, `--json`).
    public static let silent = ReleaseReporter(line: { _ in }, commandOutput: { _, _ in })
}

/// Everything a release operation works with.
public struct ReleaseContext: Sendable {
    /// The pipeline whose `environments:` apply.
    public var pipeline: PipelineDefinition
    /// The state, through its repository protocols (SQLite or a server's shared database).
    public var state: any StateRepositories
    public var artifacts: ArtifactStore
    /// Public keys trusted to have signed provenance and SBOMs.
    public var keys: [VerificationKey]
    /// Who is acting (recorded as requester, approver or deployer and in the audit log).
    public var actor: String
    /// `.gantry/` (artifacts are unpacked for deployment under `deploy/`).
    public var stateDirectory: URL
    /// Where deploy and health commands run (the pipeline file's directory).
    public var workingDirectory: URL
    public var policyGate: any PolicyGate
    public var reporter: ReleaseReporter
    /// The environment deploy commands inherit (without `GANTRY_SECRET_*`: secrets reach a deploy only
    /// through its environment's `secrets:`).
    public var processEnvironment: [String: String]
    /// Secrets this operation was given (`--secret`, `--secrets-file`, `GANTRY_SECRET_*`). A deploy
    /// receives only those its environment lists, and only once every gate and approval passed.
    public var secrets: [String: String]
    /// Set by SIGINT/SIGTERM: stops the deploy or health check under way; the promotion is then
    /// recorded `cancelled`.
    public var cancellation: CancellationFlag
    /// Signs policy decisions attached to digests and audit checkpoints; nil when no key is configured.
    public var signingKey: SigningKey?
    /// The `GANTRY_OWNER` mark of every command this process runs for a promotion; recorded with the
    /// promotion so that whoever closes it after a crash can stop what it left running.
    public let ownerMark: String = ProcessRunner.newOwnerMark()

    /// The box TOTP secrets are sealed in (its key lives in the state directory).
    public func totpSecrets() throws -> TOTPSecretBox { try TOTPSecretBox(stateDirectory: stateDirectory) }

    public init(
        pipeline: PipelineDefinition, state: any StateRepositories, artifacts: ArtifactStore, keys: [VerificationKey],
        actor: String, stateDirectory: URL, workingDirectory: URL,
        policyGate: (any PolicyGate)? = nil, reporter: ReleaseReporter = .silent,
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        cancellation: CancellationFlag = CancellationFlag(), waivers: WaiverSet = WaiverSet(),
        signingKey: SigningKey? = nil, vulnerabilities: (any VulnerabilityDatabase)? = nil,
        secrets: [String: String] = [:]
    ) {
        self.secrets = secrets
        self.cancellation = cancellation
        self.signingKey = signingKey
        self.pipeline = pipeline
        self.state = state
        self.artifacts = artifacts
        self.keys = keys
        self.actor = actor
        self.stateDirectory = stateDirectory
        self.workingDirectory = workingDirectory
        self.policyGate =
            policyGate
            ?? PolicyRulesGate(
                evaluator: PolicyEvaluator(
                    artifacts: artifacts, state: state, keys: keys, waivers: waivers, signingKey: signingKey,
                    vulnerabilities: vulnerabilities),
                actor: actor)
        self.reporter = reporter
        self.processEnvironment = processEnvironment.filter { !$0.key.hasPrefix("GANTRY_SECRET_") }
    }

    /// Refuses a deployment that cannot happen here, before anything is recorded: the environment's
    /// secrets must be given, and a `process` driver needs its `gantry proxy` host running.
    func checkDeployable(_ environment: EnvironmentDefinition, app: String) async throws {
        _ = try releasedSecrets(for: environment)
        guard case .process = environment.deploy?.driver else { return }
        let host = try await state.environmentHost(app: app, environment: environment.name)
        if host?.isAlive() != true {
            throw ReleaseError.input(
                "no gantry proxy hosts \(app) in \(environment.name) (\(EnvironmentHostRecord.absence(of: host))), so nothing would run the release: start 'gantry proxy --env \(environment.name) --app \(app)' (as a service), then promote again"
            )
        }
    }

    /// The secrets `environment` lists, or an error naming those not given. A `process` release gets
    /// its secrets from the `gantry proxy` that runs it, not from the promotion: none here.
    func releasedSecrets(for environment: EnvironmentDefinition) throws(ReleaseError) -> [String: String] {
        if case .process = environment.deploy?.driver { return [:] }
        let missing = environment.secrets.filter { secrets[$0] == nil }
        guard missing.isEmpty else {
            let names = missing.joined(separator: ", ")
            throw .input(
                "environments.\(environment.name).secrets: \(names) \(missing.count == 1 ? "was" : "were") not given; "
                    + "a deployment to \(environment.name) needs \(missing.count == 1 ? "it" : "them"): pass "
                    + missing.map { "--secret \($0)" }.joined(separator: " ")
                    + " (the value in the variable of that name), --secret-file NAME=PATH, --secrets-file FILE or GANTRY_SECRET_NAME"
            )
        }
        return secrets.filter { environment.secrets.contains($0.key) }
    }

    /// The environment named `name`, or an error listing the defined ones.
    func environment(_ name: String) throws -> EnvironmentDefinition {
        guard let environment = pipeline.environment(name) else {
            let known = pipeline.environments.map(\.name)
            throw ReleaseError.input(
                known.isEmpty
                    ? "\(pipeline.file) defines no environments (add an 'environments:' section)"
                    : "unknown environment '\(name)' in \(pipeline.file) (defined: \(known.joined(separator: ", ")))")
        }
        return environment
    }

    func audit(_ action: String, app: String, digest: Digest, _ details: [String: String]) async {
        // The audit row is part of the operation: a failure to write it is reported, not hidden.
        do {
            // A deploy's output never reaches the audit log, but a detail quoting one must not carry a secret.
            let masker = SecretMasker(secrets: Array(secrets.values))
            let details = masker.isEmpty ? details : details.mapValues(masker.mask)
            try await state.appendAudit(actor: actor, action: action, subject: "\(app)@\(digest)", details: details)
        } catch {
            reporter.line("warning: could not write the audit log: \(error)")
        }
    }
}
