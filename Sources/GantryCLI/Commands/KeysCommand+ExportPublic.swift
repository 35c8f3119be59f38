import ArgumentParser
import Attestation
import Foundation
import GantryCore

extension KeysCommand {
    struct ExportPublic: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-public", abstract: "Print the public key (PEM) of the signing key.")

        @Option(help: "The private key (default: GANTRY_SIGNING_KEY, else .gantry/keys/signing.key).")
        var key: String?

        func run() async throws {
            guard
                let signing = try KeyLocation.signingKey(
                    flag: key, environment: ProcessInfo.processInfo.environment, stateDirectory: StateLocation.directory
                )
            else {
                throw InputError("no signing key: run 'gantry keys generate' or pass --key")
            }
            print(signing.publicKey.pem, terminator: "")
        }
    }
}
