public import Foundation
import GantryCore
import Yams

/// What `gantry serve` serves: its projects and its limits. From `--config server.yml`, or, without
/// one, the current git repository as a single project.
public struct ServerConfiguration: Sendable {
    public var projects: [ProjectConfiguration]
    /// Runs executed at once.
    public var workers: Int = 1
    /// The largest request body accepted (413 beyond it).
    public var maxBodySize: Int = 1 << 20
    /// `/metrics` without a token (Prometheus scrapes it); false: it needs a viewer token.
    public var publicMetrics: Bool = true
    /// How long running jobs get to finish after SIGTERM before they are cancelled.
    public var shutdownGrace: Duration = .seconds(30)
    /// The environment variables secrets were read from (webhook secrets): `gantry serve` overwrites
    /// them in its own environment once read, so /proc shows them to no one.
    public var secretEnvironmentNames: Set<String> = []
    /// Per environment name: who may promote, approve and roll back (`environments:`).
    public var permissions: [String: EnvironmentPermissions] = [:]
    /// The environments named under `environments:`, in their order (the board's column order).
    public var environmentOrder: [String] = []
    /// The bearer token Alertmanager sends to `/hooks/alertmanager`; nil: that hook is refused.
    public var alertmanagerToken: String?
    /// A firing alert rolls back a release deployed at most this long ago.
    public var rollbackWindow: Duration = .seconds(30 * 60)
    /// Where notifications go (`notifications:`).
    public var notifiers: [Notifier] = []
    /// Attempts at delivering a notification before it is dead.
    public var notificationAttempts: Int = 8
    /// The first retry's delay (doubling each time, with jitter).
    public var notificationBackoff: TimeInterval = 2
    /// Secrets injected into runs (`GANTRY_SECRET_*` of the server's environment), read once at start.
    public var runSecrets: [String: String] = [:]

    public init(projects: [ProjectConfiguration]) { self.projects = projects }

    /// The rules of `environment` (any releaser, when it has none).
    public func permissions(for environment: String) -> EnvironmentPermissions {
        permissions[environment] ?? EnvironmentPermissions()
    }

    /// The project named `name`.
    public func project(_ name: String) -> ProjectConfiguration? { projects.first { $0.name == name } }

    /// The current git repository as the one project (named after its directory), its pipeline
    /// `pipeline`, its webhook secret from `GANTRY_WEBHOOK_SECRET`.
    public static func currentRepository(
        directory: URL, pipeline: String = "gantry.yml", environment: [String: String]
    ) throws -> ServerConfiguration {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) else {
            throw InputError(
                "\(directory.path) is not a git repository: run gantry serve in one, or pass --config server.yml")
        }
        let name = ProjectConfiguration.slug(directory.standardizedFileURL.lastPathComponent)
        let secret = environment["GANTRY_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        var configuration = ServerConfiguration(projects: [
            ProjectConfiguration(
                name: name, repository: directory.standardizedFileURL.path, pipeline: pipeline, webhookSecret: secret)
        ])
        if secret != nil { configuration.secretEnvironmentNames = ["GANTRY_WEBHOOK_SECRET"] }
        return configuration
    }

    /// Reads `server.yml`. Every problem is reported at once, as file:line:col.
    public static func load(path: String, environment: [String: String]) throws -> ServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InputError("cannot read \(path): \(FileErrorText.describe(error))")
        }
        return try ServerConfigurationParser(file: path, environment: environment).parse(text)
    }
}
