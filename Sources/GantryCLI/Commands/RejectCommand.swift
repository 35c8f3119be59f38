import ArgumentParser
import Artifacts
import Foundation
import GantryCore
import Release
import Store

/// `gantry reject APP@DIGEST --reason TEXT`.
struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Mark a digest bad: it can never be promoted again, and rollback never returns to it.")

    @Argument(help: "APP@sha256:…")
    var reference: String

    @Option(help: "Why (required; recorded in the audit log).")
    var reason: String

    @OptionGroup var options: ReleaseOptions

    @OptionGroup var remote: ServerOption

    func run() async throws {
        guard case .digest(let app?, let digest) = try ArtifactReference(parsing: reference) else {
            throw InputError("'\(reference)': name the digest as APP@sha256:…")
        }
        let rejection: RejectionRecord
        if let client = try remote.client() {
            let answer = try RemoteObject(
                try await client.post(
                    "/api/v1/rejections", ["app": app, "digest": digest.description, "reason": reason]
                ).object(), "rejection")
            rejection = RejectionRecord(
                app: try answer.string("app"), digest: try answer.digest("digest"), reason: try answer.string("reason"),
                rejectedBy: try answer.string("rejected_by"),
                rejectedAt: answer.optionalDate("rejected_at") ?? Date())
        } else {
            rejection = try await Promoter(context: try options.context(needsKeys: false)).reject(
                app: app, digest: digest.description, reason: reason)
        }
        if options.json {
            Terminal.printOut(
                Terminal.json([
                    "app": rejection.app, "digest": rejection.digest, "reason": rejection.reason,
                    "rejected_by": rejection.rejectedBy, "rejected_at": Timestamp.iso8601(rejection.rejectedAt),
                ]))
        } else {
            print("rejected \(rejection.app)@\(rejection.digest): \(rejection.reason)")
        }
    }
}
