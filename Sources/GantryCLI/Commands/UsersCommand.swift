import ArgumentParser

/// `gantry users add|list|totp-enroll`.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage the users who approve promotions.",
        subcommands: [Add.self, List.self, TOTPEnroll.self])
}
