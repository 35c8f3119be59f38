import ArgumentParser
import Foundation
import GantryCore
import Processes
import Release

/// `gantry rollout retry APP --env ENV`: roll the digest of the aborted rollout out again.
struct RolloutRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Roll out again the digest whose rollout was aborted, from its first step (cautiously).",
        discussion: """
            A new promotion of the same digest, with every check, gate and approval of 'gantry promote', and \
            the reason 'retry of <aborted promotion>'. Refused unless the latest promotion to the environment \
            was aborted. The steps run cautiously, as after every abort (docs/rollouts.md).
            """)

    @OptionGroup var target: RolloutTarget

    @Option(help: "Why (recorded with the promotion; default: 'retry of <aborted promotion>').")
    var reason: String?

    @OptionGroup var options: ReleaseOptions

    @OptionGroup(title: "Secrets for the deploy (only those the environment's 'secrets:' lists are given to it)")
    var secretOptions: SecretOptions

    func run() async throws {
        // The state the promotion uses (opened once): the latest promotion must be an aborted rollout.
        try await options.runLocally(secrets: secretOptions) { promoter in
            guard
                let latest = try await promoter.context.state.promotions(
                    app: target.app, environment: target.env, limit: 1
                )
                .first, latest.status == .aborted
            else {
                throw InputError(
                    "the latest promotion of \(target.app) to \(target.env) was not an aborted rollout: nothing to retry (see 'gantry rollout status \(target.app) --env \(target.env)')"
                )
            }
            Terminal.printOut(
                "retrying \(target.app)@\(latest.digest.short), aborted in \(latest.id): \(latest.detail)")
            return try await promoter.promote(
                app: target.app, to: target.env, source: .digest(latest.digest.description), irreversible: nil,
                reason: reason ?? "retry of \(latest.id)")
        }
    }
}
