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
                Add the URI to an authenticator app (or turn it into a QR code). Enrolling again replaces the \
                secret. The URI is the secret: it is printed only here and never logged.
                """)

        @Argument(help: "The user.")
        var name: String

        func run() async throws {
            let state = try StateStore(directory: StateLocation.directory)
            guard try state.user(name) != nil else {
                throw ValidationError(
                    "no user named '\(name)' (add it with 'gantry users add \(name) --role releaser')")
            }
            let totp = TOTP(secret: TOTP.newSecret())
            try state.setTOTPSecret(Base32.encode(totp.secret), for: name)
            try state.appendAudit(
                actor: AuditActor.current(), action: "users.totp-enroll", subject: "user:\(name)", details: [:])
            print(totp.provisioningURI(account: name))
        }
    }
}
