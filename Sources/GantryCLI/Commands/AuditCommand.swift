import ArgumentParser
import Foundation
import GantryCore
import Store

/// `gantry audit [verify]`: the append-only, hash-chained record of what happened.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show or verify the hash-chained audit log.",
        subcommands: [Show.self, Verify.self, Checkpoint.self], defaultSubcommand: Show.self)
}
