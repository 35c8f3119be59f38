import ArgumentParser
import Engine
import Foundation
import GantryCore
import Processes
import Release
import Store

/// `gantry approve PROMOTION [--as NAME] [--totp CODE]`.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a promotion that waits for approval; the last approval needed deploys it.",
        discussion: """
            The approver must be a user with a role the environment allows ('gantry users add'), must not be \
            the requester, and must pass a current TOTP code (RFC 6238, 30 s, 6 digits) when the environment \
            has 'totp: true'. A code is accepted once. The identity defaults to GANTRY_ACTOR, then $USER.
            """)

    @Argument(help: "The promotion id (p-…), as 'gantry promote' and 'gantry status' print it.")
    var promotion: String

    @Option(name: .customLong("as"), help: "Approve as this user (default: GANTRY_ACTOR or $USER).")
    var approver: String?

    @Option(help: "The approver's current TOTP code.")
    var totp: String?

    @OptionGroup var options: ReleaseOptions

    @OptionGroup(title: "Secrets for the deploy (only those the environment's 'secrets:' lists are given to it)")
    var secretOptions: SecretOptions

    @OptionGroup var remote: ServerOption

    func run() async throws {
        if let client = try remote.client() {
            try secretOptions.refuseRemote()
            guard approver == nil else {
                throw InputError("with --server the approver is the token's user: leave out --as")
            }
            var body: [String: Any] = [:]
            body["totp"] = totp
            let path = "/api/v1/promotions/\(try RemotePath.segment(promotion))/approve"
            return try RemoteRelease.report(
                try await RemoteRelease(client: client).start(path, body), options: options)
        }
        let name = approver ?? AuditActor.current()
        try await options.runLocally(
            secrets: secretOptions, adjust: { $0.actor = name },
            { try await $0.approve(promotionID: promotion, as: name, totpCode: totp) })
    }
}
