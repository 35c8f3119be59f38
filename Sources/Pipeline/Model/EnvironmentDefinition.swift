public import GantryCore

/// One entry of `environments:`: where a digest is promoted to, and what it must pass on the way.
/// Environments are kept in file order, which is the promotion order shown by `gantry status`.
public struct EnvironmentDefinition: Sendable, Hashable {
    /// The environment's name (`dev`, `staging`, `prod`).
    public var name: String
    /// The environment a digest must have been deployed to (and verified in) before it may come here.
    public var requires: String?
    /// Who must approve a promotion here. `nil` means no approval.
    public var approvals: ApprovalRule?
    /// How a digest is deployed. `nil` means the promotion only moves the pointer.
    public var deploy: DeployDriverDefinition?
    /// The health check run after each deployment. `nil` means the deploy command's success is enough.
    public var verify: HealthCheckDefinition?
    /// Secrets released to this environment's deploy driver and health check (`environments.<env>.secrets`):
    /// only after every gate and approval passed, only for this environment, masked in all output.
    public var secrets: [String] = []
    /// How a `process` release takes over the traffic; nil switches all at once when it is ready.
    public var strategy: RolloutStrategy?
    /// How many most recent digests `gantry gc` keeps for this environment.
    public var retention: Int
    /// Policy rules for the gate, evaluated for the exact digest being promoted.
    public var policy: EnvironmentPolicy?
    /// Where it was declared, for diagnostics.
    public var location: SourceLocation

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
        self.retention = 10
    }

    /// Environment names: a lowercase letter or digit, then lowercase letters, digits, `-` and `_`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || ("0"..."9").contains(first) else {
            return false
        }
        return name.count <= 63
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}

/// `approvals:` of an environment.
public struct ApprovalRule: Sendable, Hashable {
    /// Distinct approvers needed.
    public var count: Int
    /// Roles allowed to approve.
    public var roles: [String]
    /// Each approval must carry a valid, unused RFC 6238 code of the approver.
    public var totp: Bool

    /// The roles a user can have, least to most privileged.
    public static let knownRoles = ["viewer", "developer", "releaser", "admin"]

    public init(count: Int = 1, roles: [String] = ["releaser", "admin"], totp: Bool = false) {
        self.count = count
        self.roles = roles
        self.totp = totp
    }
}

/// `deploy:` of an environment: a shell command, or Gantry's Kubernetes driver. A command runs with
/// `GANTRY_APP`, `GANTRY_DIGEST`, `GANTRY_ENV`, `GANTRY_ARTIFACT_DIR` and `GANTRY_PREVIOUS_DIGEST` set.
public struct DeployDriverDefinition: Sendable, Hashable {
    /// What deploys a digest.
    public enum Driver: Sendable, Hashable {
        /// A shell command (run with `bash -eo pipefail -c`).
        case command(String)
        /// Manifests rendered with the image pinned by digest, applied with `kubectl apply --server-side`.
        case kubernetes(KubernetesDeployDefinition)
        /// The release runs as a process that `gantry proxy` supervises and serves traffic to.
        case process(ProcessDeployDefinition)
    }

    public var driver: Driver
    /// Extra environment variables for the command (or for `kubectl`).
    public var env: [EnvVar]
    /// The command is stopped (its whole process group) after this long; for Kubernetes, each `kubectl`
    /// call, and `kubectl rollout status --timeout`.
    public var timeout: Duration

    public init(driver: Driver, env: [EnvVar] = [], timeout: Duration = .seconds(600)) {
        self.driver = driver
        self.env = env
        self.timeout = timeout
    }

    public init(command: String, env: [EnvVar] = [], timeout: Duration = .seconds(600)) {
        self.init(driver: .command(command), env: env, timeout: timeout)
    }

    /// The shell command, for a command driver.
    public var command: String? {
        if case .command(let command) = driver { return command }
        return nil
    }

    /// The driver's name in messages.
    public var kind: String {
        switch driver {
        case .command: return "deploy command"
        case .kubernetes: return "kubernetes"
        case .process: return "process"
        }
    }

    /// What the deploy does, in a few words (printed before it runs).
    public var summary: String {
        switch driver {
        case .command(let command): return command
        case .kubernetes(let kubernetes):
            return "kubectl apply --server-side (\(kubernetes.manifests), image \(kubernetes.image)"
                + (kubernetes.namespace.map { ", namespace \($0)" } ?? "") + ")"
        case .process(let process):
            return "process '\(process.command)' behind gantry proxy"
        }
    }
}

/// `deploy: {process: …}`: a release run as a long-lived process on an allocated loopback port,
/// supervised by `gantry proxy --env ENV`, which routes traffic to it once it is ready.
public struct ProcessDeployDefinition: Sendable, Hashable {
    /// When a started release may take traffic.
    public enum Readiness: Sendable, Hashable {
        /// Its port accepts connections.
        case port
        /// `GET http://127.0.0.1:PORT<path>` answers 2xx.
        case http(String)
        /// The command exits 0 (with `PORT` and the `GANTRY_*` variables set).
        case command(String)
    }

    /// The command that serves the release (run with `bash -c` in the release folder, with the port in
    /// the `portEnv` variable). It must keep running; Gantry restarts it with backoff when it exits.
    public var command: String
    /// The variable that carries the allocated port.
    public var portEnv: String
    public var readiness: Readiness
    /// After traffic moves away from a release: how long it keeps running (in-flight requests finish,
    /// and a rollback within this time is instant) before SIGTERM.
    public var drain: Duration
    /// Between SIGTERM and SIGKILL.
    public var stopGrace: Duration

    public init(
        command: String, portEnv: String = "PORT", readiness: Readiness = .port, drain: Duration = .seconds(30),
        stopGrace: Duration = .seconds(10)
    ) {
        self.command = command
        self.portEnv = portEnv
        self.readiness = readiness
        self.drain = drain
        self.stopGrace = stopGrace
    }

    /// The keys `process:` accepts.
    public static let keys = ["command", "port_env", "readiness", "drain", "stop_grace"]
}

/// `deploy: {kubernetes: …}`: the manifests to render and where to apply them.
public struct KubernetesDeployDefinition: Sendable, Hashable {
    /// A manifest file or a directory of `.yaml`/`.yml`/`.json` files, relative: looked up in the
    /// unpacked artifact first (manifests that travel with the digest), then next to the pipeline file.
    public var manifests: String
    /// The image repository Gantry deploys (`registry.example.com/team/web`): every container using it
    /// is pinned to `<image>@<digest being promoted>`.
    public var image: String
    /// The namespace of namespaced objects (`kubectl --namespace`); objects naming another one are refused.
    public var namespace: String?
    /// The kubeconfig context (`kubectl --context`).
    public var context: String?
    /// The `kubectl` executable (a name looked up on `PATH`, or a path).
    public var kubectl: String

    public init(
        manifests: String, image: String, namespace: String? = nil, context: String? = nil, kubectl: String = "kubectl"
    ) {
        self.manifests = manifests
        self.image = image
        self.namespace = namespace
        self.context = context
        self.kubectl = kubectl
    }

    /// The keys `kubernetes:` accepts.
    public static let keys = ["manifests", "image", "namespace", "context", "kubectl"]
}

/// `verify:` of an environment: an HTTP check expecting 2xx, or a command expecting exit 0.
public struct HealthCheckDefinition: Sendable, Hashable {
    public enum Probe: Sendable, Hashable {
        /// GET the URL; any 2xx passes.
        case http(String)
        /// Run the command; exit 0 passes.
        case command(String)
    }

    public var probe: Probe
    /// Time allowed for one attempt.
    public var timeout: Duration
    /// Wait between attempts.
    public var interval: Duration
    /// Attempts after the first one before the check fails.
    public var retries: Int

    public init(
        probe: Probe, timeout: Duration = .seconds(10), interval: Duration = .seconds(2), retries: Int = 3
    ) {
        self.probe = probe
        self.timeout = timeout
        self.interval = interval
        self.retries = retries
    }
}

/// `environments.<env>.policy`: what the policy gate requires of a digest before it may enter.
public struct EnvironmentPolicy: Sendable, Hashable {
    /// Provenance and SBOM must be signed by a trusted key.
    public var requireSignature = false
    /// A SLSA provenance must be attached and verify.
    public var requireProvenance = false
    /// The SBOM seal must hold and the SBOM must match the artifact's content.
    public var requireSBOMSeal = false
    /// No vulnerability at or above this CVSS score (without a score: high and critical).
    public var maxCVSS: Double?
    /// Only vulnerabilities that have a fixed version count.
    public var onlyFixed = false
    /// Only vulnerabilities the environment's current digest does not have count.
    public var regressionOnly = false
    /// No committed secret in the artifact's content.
    public var noSecrets = false
    /// Every Dockerfile in the artifact pins its base images by digest.
    public var pinnedBaseImages = false
    /// Terraform plans in the artifact stay at or under this risk score.
    public var terraformMaxRisk: Int?
    /// The artifact's provenance must say it was built from a clean working tree (no uncommitted
    /// changes). On by default for environments with approvals (`requireCleanTreeByDefault`).
    public var requireCleanTree = false
    /// `requireCleanTree` was not written but follows from the environment's approvals: then an
    /// artifact whose provenance does not record the tree (packed outside git, or before Gantry
    /// recorded it) passes with a note instead of failing.
    public var requireCleanTreeByDefault = false

    public init() {}

    /// The keys `policy:` accepts.
    public static let keys = [
        "require_signature", "require_provenance", "require_sbom_seal", "max_cvss", "only_fixed", "regression_only",
        "no_secrets", "pinned_base_images", "terraform_max_risk", "require_clean_tree",
    ]
}
