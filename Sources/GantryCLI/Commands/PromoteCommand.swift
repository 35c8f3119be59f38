import ArgumentParser
import Engine
import Foundation
import Processes
import Release

/// `gantry promote APP --to ENV (--digest sha256:… | --from ENV)`.
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Promote a digest to an environment: gates, approvals, deploy, verify, pointer move.",
        discussion: """
            Checks, in order, printing each: the digest exists and its blobs are intact; provenance and SBOM \
            signatures with a trusted key; the SBOM seal; the digest passed the environment's 'requires'; it is \
            not rejected; the policy gate; approvals. Then it deploys through the environment's driver, runs the \
            health check, moves the pointer and last-known-good. A failed deploy or health check redeploys \
            last-known-good automatically (status rolled_back, exit 1). Nothing is ever rebuilt.
            When approvals are needed the promotion waits (exit 0, status awaiting_approval) until \
            'gantry approve' completes it.
            """)

    @Argument(help: "The application.")
    var app: String

    @Option(help: "The target environment.")
    var to: String

    @Option(
        help:
            "What to promote: sha256:…, APP@sha256:… (as gantry/pack prints it) or APP:TAG (resolved to its digest now)."
    )
    var digest: String?

    @Option(help: "Promote whatever this environment runs now.")
    var from: String?

    @Option(
        help: "Mark the promotion irreversible and say why (e.g. 'drops column x'): rolling back past it needs --force."
    )
    var irreversible: String?

    @Option(help: "Why (recorded with the promotion).")
    var reason: String?

    @OptionGroup var options: ReleaseOptions

    @OptionGroup(title: "Secrets for the deploy (only those the environment's 'secrets:' lists are given to it)")
    var secretOptions: SecretOptions

    @OptionGroup var remote: ServerOption

    func validate() throws {
        if (digest == nil) == (from == nil) {
            throw ValidationError("pass exactly one of --digest sha256:… or --from ENV")
        }
    }

    func run() async throws {
        if let client = try remote.client() {
            try secretOptions.refuseRemote()
            var body: [String: Any] = ["app": app, "environment": to]
            body["digest"] = digest
            body["from"] = from
            body["reason"] = reason
            body["irreversible"] = irreversible
            return try RemoteRelease.report(
                try await RemoteRelease(client: client).start("/api/v1/promotions", body), options: options)
        }
        let source: Promoter.Source = digest.map { .digest($0) } ?? .environment(from ?? "")
        try await options.runLocally(secrets: secretOptions) {
            try await $0.promote(app: app, to: to, source: source, irreversible: irreversible, reason: reason)
        }
    }
}
