import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

/// `gantry artifact pack|list|inspect|unpack`: deterministic OCI artifacts in `.gantry/oci/`.
struct ArtifactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact",
        abstract: "Pack directories into content-addressed OCI artifacts, list, inspect and unpack them.",
        subcommands: [Pack.self, List.self, Inspect.self, Unpack.self, Verify.self])

    static func store() throws -> ArtifactStore { try ArtifactStore(stateDirectory: StateLocation.directory) }

    struct Pack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pack a directory into a deterministic OCI artifact.",
            discussion: """
                The same content gives the same digest on any machine: entries are sorted, owners are 0, modes are \
                normalized and every time is SOURCE_DATE_EPOCH (default 0). Symlinks are kept; devices, FIFOs and \
                sockets are refused.
                """)

        @Argument(help: "The directory to pack.")
        var directory: String

        @Option(help: "The application the artifact belongs to (lowercase letters, digits, '.', '_', '-').")
        var name: String

        @Option(help: "A tag to point at the artifact (default: latest). Tags are labels; the digest is the identity.")
        var tag: String?

        @Option(
            help:
                "Sign the SBOM and provenance with this key (default: GANTRY_SIGNING_KEY, else .gantry/keys/signing.key if it exists)."
        )
        var key: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let started = Date()
            let store = try ArtifactCommand.store()
            let environment = ProcessInfo.processInfo.environment
            // Load the key before packing, so a bad key path changes nothing.
            let signingKey = try KeyLocation.signingKey(
                flag: key, environment: environment, stateDirectory: StateLocation.directory)
            let packer = DirectoryPacker()
            let root = URL(fileURLWithPath: directory)
            let packed = try store.pack(root, app: name, tag: tag, packer: packer)
            var attested: Attestor.Result?
            if let signingKey {
                let context = BuildContext(
                    app: packed.app, tag: packed.tag, invocationID: UUID().uuidString.lowercased(), startedOn: started,
                    finishedOn: Date())
                attested = try Attestor(store: store, key: signingKey).attest(
                    packed, directory: root, context: context, timestamp: packer.mtime)
            }
            var details = ["tag": packed.tag, "signed": String(attested != nil)]
            if let attested { details["sbom"] = attested.sbomDigest.description }
            try StateStore(directory: StateLocation.directory).appendAudit(
                actor: AuditActor.current(), action: "pack", subject: packed.reference, details: details)
            if json {
                var object: [String: Any] = [
                    "app": packed.app, "digest": packed.digest.description, "ref": packed.reference, "tag": packed.tag,
                    "entries": packed.entries,
                    "layer": ["digest": packed.layer.digest.description, "size": packed.layer.size],
                    "signed": attested != nil,
                ]
                if let attested {
                    object["sbom"] = ["digest": attested.sbomDigest.description, "components": attested.components]
                }
                Terminal.printOut(Terminal.json(object))
            } else {
                print("packed \(packed.entries) entries (\(packed.layer.size) bytes) as \(packed.reference)")
                print("tagged \(packed.app):\(packed.tag)")
                if let attested {
                    print(
                        "signed SBOM (\(attested.components) components, \(attested.sbomDigest.short)) and SLSA provenance sealing it"
                    )
                } else {
                    print("not signed: no signing key (run 'gantry keys generate' to sign SBOM and provenance)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the artifacts in the store.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let artifacts = try ArtifactCommand.store().artifacts()
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

    struct Unpack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract an artifact into a directory.",
            discussion:
                "Every blob is verified first. Entries with '..', absolute paths, or symlinks leaving DIR are refused.")

        @Argument(help: "APP@sha256:…, APP:TAG, APP or sha256:….")
        var reference: String

        @Argument(help: "Where to extract (created if missing).")
        var directory: String

        func run() async throws {
            let store = try ArtifactCommand.store()
            let artifact = try store.resolve(try ArtifactReference(parsing: reference))
            let count = try store.unpack(artifact, into: URL(fileURLWithPath: directory))
            print("unpacked \(count) entries of \(artifact.app)@\(artifact.digest) into \(directory)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an artifact's signed provenance and SBOM, and the SBOM seal.",
            discussion: """
                Checks, in order: the provenance's DSSE signature with a trusted key and its subject digest; the \
                SBOM's signature; that the provenance's recorded SBOM digest matches the SBOM (the seal); and that \
                the SBOM regenerated from the artifact's content is the sealed one. Exit 1 when a check fails.
                """)

        @Argument(help: "APP@sha256:…, APP:TAG, APP or sha256:….")
        var reference: String

        @Option(help: "A trusted public key (PEM). Repeatable. Default: .gantry/keys/signing.pub.")
        var key: [String] = []

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let paths = key.isEmpty ? [KeyLocation.defaultPublicKey(in: StateLocation.directory)] : key
            let keys = try paths.map { try VerificationKey.load(from: $0) }
            let store = try ArtifactCommand.store()
            let artifact = try store.resolve(try ArtifactReference(parsing: reference))
            let checks = Verifier(store: store, keys: keys).verify(artifact)
            let passed = checks.count == 4 && checks.allSatisfy(\.passed)
            try StateStore(directory: StateLocation.directory).appendAudit(
                actor: AuditActor.current(), action: "verify", subject: "\(artifact.app)@\(artifact.digest)",
                details: [
                    "result": passed ? "verified" : "failed",
                    "keys": keys.map { String($0.keyID.prefix(16)) }.joined(separator: ","),
                ])
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "artifact": "\(artifact.app)@\(artifact.digest)", "verified": passed,
                            "checks": checks.map {
                                ["name": $0.name, "passed": $0.passed, "detail": $0.detail] as [String: Any]
                            },
                        ] as [String: Any]))
            } else {
                print("\(artifact.app)@\(artifact.digest)")
                for check in checks { print("  \(check.passed ? "✓" : "✗") \(check.name): \(check.detail)") }
                print(passed ? "verified" : "NOT verified")
            }
            if !passed { throw CommandExit(status: .failure) }
        }
    }
}
