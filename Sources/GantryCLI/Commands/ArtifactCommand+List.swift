import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the artifacts in the store.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let store = try ArtifactCommand.store(create: false)
            let artifacts = try store.artifacts()
            if json {
                Terminal.printOut(
                    Terminal.json(
                        artifacts.map { artifact -> [String: Any] in
                            var object = ArtifactFacts(artifact, store: store).json
                            object["app"] = artifact.app
                            object["digest"] = artifact.digest.description
                            object["tags"] = artifact.tags
                            return object
                        }))
                return
            }
            guard !artifacts.isEmpty else {
                print("No artifacts yet. Create one with 'gantry artifact pack DIR --name APP'.")
                return
            }
            for artifact in artifacts {
                let tags = artifact.tags.isEmpty ? "-" : artifact.tags.joined(separator: ", ")
                print("\(artifact.app)@\(artifact.digest)  \(tags)  \(ArtifactFacts(artifact, store: store).summary)")
            }
        }
    }
}
