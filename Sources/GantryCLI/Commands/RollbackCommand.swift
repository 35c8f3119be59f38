import ArgumentParser
import Engine
import Foundation
import Processes
import Release

/// `gantry rollback APP --env ENV [--to DIGEST] --reason TEXT [--force]`.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Redeploy last-known-good (or a digest that once ran there) in one command.",
        discussion: """
            Re-verifies the target's signature and seal, deploys it through the environment's driver, runs the \
            health check and moves the pointer. Rejected digests are never targets. Rolling back past a \
            promotion marked irreversible needs --force (state such as a schema migration does not rewind).
            """)

    @Argument(help: "The application.")
    var app: String

    @Option(help: "The environment.")
    var env: String

    @Option(help: "Roll back to this digest (it must have been deployed and verified there before).")
    var to: String?

    @Option(help: "Why (required; recorded in the audit log).")
    var reason: String

    @Flag(help: "Roll back past promotions marked irreversible.")
    var force = false

    @OptionGroup var options: ReleaseOptions

    @OptionGroup(title: "Secrets for the deploy (only those the environment's 'secrets:' lists are given to it)")
    var secretOptions: SecretOptions

    @OptionGroup var remote: ServerOption

    func run() async throws {
        if let client = try remote.client() {
            try secretOptions.refuseRemote()
            var body: [String: Any] = ["app": app, "environment": env, "reason": reason, "force": force]
            body["to"] = to
            return try RemoteRelease.report(
                try await RemoteRelease(client: client).start("/api/v1/rollbacks", body), options: options)
        }
        try await options.runLocally(secrets: secretOptions) {
            try await $0.rollback(app: app, environment: env, to: to, reason: reason, force: force)
        }
    }
}
