import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect", abstract: "Show an artifact's manifest, tags and files.")

        @Argument(help: "APP@sha256:…, APP:TAG, APP (= APP:latest), sha256:…, or REGISTRY/REPOSITORY[:TAG][@sha256:…].")
        var reference: String

        @OptionGroup var registry: RegistryOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            if RegistryReference.looksRemote(reference) { return try await inspectRemote() }
            let parsed = try ArtifactReference(parsing: reference)
            let store = try ArtifactCommand.store(create: false)
            let artifact = try store.resolve(parsed)
            let manifest = try store.manifest(of: artifact)
            let entries = try store.entries(of: artifact)
            if json {
                Terminal.printOut(
                    Terminal.json(
                        ArtifactFacts(artifact, store: store).json.merging(
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
                                    case .symlink(let target):
                                        ["path": entry.path, "type": "symlink", "target": target]
                                    }
                                },
                            ] as [String: Any]
                        ) { $1 }))
                return
            }
            print("\(artifact.app)@\(artifact.digest)")
            print("  tags      \(artifact.tags.isEmpty ? "-" : artifact.tags.joined(separator: ", "))")
            let facts = ArtifactFacts(artifact, store: store)
            print("  size      \(ProgressMeter.bytes(facts.contentSize)) (its layers)")
            if let commit = facts.commit {
                print("  commit    \(commit)\(facts.branch.map { " (\($0))" } ?? "")")
            }
            if let tree = facts.treeState { print("  tree      \(tree)") }
            if let built = facts.builtAt {
                print("  built     \(built)\(facts.invocation.map { " (correlation \($0))" } ?? "")")
            }
            print(
                "  created   \(manifest.annotations?[AnnotationKey.created] ?? "-") (fixed for reproducible digests: SOURCE_DATE_EPOCH, default 0)"
            )
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

        /// A registry reference: the manifest and referrers, read from the registry (no layer is downloaded).
        func inspectRemote() async throws {
            let source = try RegistryReference(parsing: reference)
            let client = try registry.client(for: source.registry)
            let remote = try await RegistryTransfer(store: try ArtifactCommand.store(), client: client).inspect(source)
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "reference": source.description, "digest": remote.digest.description,
                            "artifactType": remote.manifest.artifactType ?? "",
                            "layers": remote.manifest.layers.map {
                                ["digest": $0.digest.description, "size": $0.size, "mediaType": $0.mediaType]
                                    as [String: Any]
                            },
                            "referrers": remote.referrers.map {
                                ["digest": $0.digest.description, "artifactType": $0.artifactType ?? ""]
                                    as [String: Any]
                            },
                            "referrers_api": remote.referrersAPI,
                        ] as [String: Any]))
                return
            }
            print("\(source.registry)/\(source.repository)@\(remote.digest)")
            print("  type      \(remote.manifest.artifactType ?? remote.manifest.config.mediaType)")
            for layer in remote.manifest.layers { print("  layer     \(layer.digest) (\(layer.size) bytes)") }
            for referrer in remote.referrers {
                print("  referrer  \(referrer.digest) \(referrer.artifactType ?? "")")
            }
        }
    }
}
