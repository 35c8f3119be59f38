import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct Unpack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unpack",
            abstract: "Extract an artifact into a directory.",
            discussion:
                "Every blob is verified first. Entries with '..', absolute paths, or symlinks leaving DIR are refused.")

        @Argument(help: "APP@sha256:…, APP:TAG, APP or sha256:….")
        var reference: String

        @Argument(help: "Where to extract (created if missing).")
        var directory: String

        func run() async throws {
            let store = try ArtifactCommand.store(create: false)
            let artifact = try store.resolve(try ArtifactReference(parsing: reference))
            let count = try store.unpack(artifact, into: URL(fileURLWithPath: directory))
            print("unpacked \(count) entries of \(artifact.app)@\(artifact.digest) into \(directory)")
        }
    }
}
