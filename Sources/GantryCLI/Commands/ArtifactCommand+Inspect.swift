import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an artifact's manifest, tags and files.")

        @Argument(help: "APP@sha256:…, APP:TAG, APP (= APP:latest) or sha256:….")
        var reference: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let store = try ArtifactCommand.store()
            let artifact = try store.resolve(try ArtifactReference(parsing: reference))
            let manifest = try store.manifest(of: artifact)
            let entries = try store.entries(of: artifact)
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "app": artifact.app, "digest": artifact.digest.description, "tags": artifact.tags,
                            "layers": manifest.layers.map {
                                ["digest": $0.digest.description, "size": $0.size, "mediaType": $0.mediaType]
                                    as [String: Any]
                            },
                            "files": entries.map { entry -> [String: Any] in
                                switch entry.kind {
                                case .file(let size):
                                    [
                                        "path": entry.path, "type": "file", "size": size,
                                        "mode": String(entry.mode, radix: 8),
                                    ]
                                case .directory:
                                    ["path": entry.path, "type": "directory", "mode": String(entry.mode, radix: 8)]
                                case .symlink(let target): ["path": entry.path, "type": "symlink", "target": target]
                                }
                            },
                        ] as [String: Any]))
                return
            }
            print("\(artifact.app)@\(artifact.digest)")
            print("  tags      \(artifact.tags.isEmpty ? "-" : artifact.tags.joined(separator: ", "))")
            print("  created   \(manifest.annotations?[AnnotationKey.created] ?? "-")")
            for layer in manifest.layers { print("  layer     \(layer.digest) (\(layer.size) bytes)") }
            print("  files")
            for entry in entries {
                switch entry.kind {
                case .file(let size): print("    \(String(entry.mode, radix: 8))  \(entry.path)  \(size)")
                case .directory: print("    \(String(entry.mode, radix: 8))  \(entry.path)/")
                case .symlink(let target): print("    link  \(entry.path) -> \(target)")
                }
            }
        }
    }
}
