import ArgumentParser
import Attestation
import Foundation
import GantryCore

/// `gantry keys generate|export-public`: the Ed25519 key that signs attestations.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create and export the Ed25519 key that signs SBOMs and provenance.",
        subcommands: [Generate.self, ExportPublic.self])
}
