import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the artifacts in the store.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let artifacts = try ArtifactCommand.store(create: false).artifacts()
            if json {
                Terminal.printOut(
                    Terminal.json(
                        artifacts.map {
                            ["app": $0.app, "digest": $0.digest.description, "tags": $0.tags] as [String: Any]
                        }))
                return
            }
            guard !artifacts.isEmpty else {
                print("No artifacts yet. Create one with 'gantry artifact pack DIR --name APP'.")
                return
            }
            for artifact in artifacts {
                print("\(artifact.app)@\(artifact.digest)  \(artifact.tags.joined(separator: ", "))")
            }
        }
    }
}
