import ArgumentParser
import Attestation
import Foundation
import GantryCore

extension KeysCommand {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Generate a signing key (private key mode 0600; never overwrites).",
            discussion: "Writes KEY and KEY's public half next to it (.pub). Default: .gantry/keys/signing.key.")

        @Option(help: "Where to write the private key.")
        var out: String?

        func run() async throws {
            let path = out ?? KeyLocation.defaultPrivateKey(in: StateLocation.directory)
            let publicPath = path.hasSuffix(".key") ? String(path.dropLast(4)) + ".pub" : path + ".pub"
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            if FileManager.default.fileExists(atPath: publicPath) {
                throw AttestationError.keyFile("\(publicPath) already exists; refusing to overwrite a key")
            }
            let key = SigningKey()
            try key.write(to: path)
            try Data(key.publicKey.pem.utf8).write(to: URL(fileURLWithPath: publicPath))
            print("private key \(path) (mode 0600)")
            print("public key  \(publicPath) (key id \(key.publicKey.keyID.prefix(16))…)")
        }
    }
}
