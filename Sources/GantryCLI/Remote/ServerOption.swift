import ArgumentParser
import Foundation

/// `--server URL`: a command that reads or changes state acts on a `gantry serve` instead of the
/// local `.gantry/` (token from `GANTRY_TOKEN`), and prints what it prints locally.
struct ServerOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Act on this Gantry server instead of the local state (token from GANTRY_TOKEN).", valueName: "url"))
    var server: String?

    /// The client, when `--server` was given.
    func client() throws -> ServerClient? {
        try server.map { try ServerClient(server: $0, environment: ProcessInfo.processInfo.environment) }
    }
}
