import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct Pack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pack",
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

        @Flag(
            name: .customLong("allow-outside-links"),
            help: "Keep symlinks that lead out of the directory (refused by default: unpacking refuses them).")
        var allowOutsideLinks = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let started = Date()
            let store = try ArtifactCommand.store()
            let environment = ProcessInfo.processInfo.environment
            // Load the key before packing, so a bad key path changes nothing.
            let signingKey = try KeyLocation.signingKey(
                flag: key, environment: environment, stateDirectory: StateLocation.directory)
            var packer = DirectoryPacker(allowOutsideLinks: allowOutsideLinks)
            let meter = ProgressMeter.forTerminal(json: json)
            packer.progress = meter?.handler
            let root = URL(fileURLWithPath: directory)
            let packed = try await store.pack(root, app: name, tag: tag, packer: packer)
            meter?.finish()
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
            try await StateLocation.repositories().appendAudit(
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
}
