import ArgumentParser
import Foundation
import Release
import Store

extension UsersCommand {
    struct TOTPEnroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp-enroll",
            abstract: "Create a TOTP secret for a user and print its otpauth:// URI (shown once).",
            discussion: """
                Add the URI to an authenticator app (or turn it into a QR code). The URI is the secret: it \
                is printed only here, never logged, and stored encrypted (key in .gantry/keys/totp.key). \
                A user enrols themselves, or an admin enrols them. Replacing an enrolment needs the user's \
                current code (--totp), or, done by an admin, the admin's own code. Enrolling again never \
                lifts a lockout.
                """)

        @Argument(help: "The user.")
        var name: String

        @Option(name: .customLong("as"), help: "Act as this user (default: GANTRY_ACTOR or $USER).")
        var actor: String?

        @Option(help: "The acting user's current TOTP code, when they are enrolled.")
        var totp: String?

        func run() async throws {
            let state = try StateLocation.repositories()
            let administration = UserAdministration(
                state: state, secrets: try TOTPSecretBox(stateDirectory: StateLocation.directory))
            let enrolled = try await administration.enrollTOTP(name, actor: actor ?? AuditActor.current(), totp: totp)
            print(enrolled.provisioningURI(account: name))
        }
    }
}
