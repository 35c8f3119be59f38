import ArgumentParser
import Artifacts
import Attestation
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
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
            if key.isEmpty, let path = paths.first, !FileManager.default.fileExists(atPath: path) {
                throw InputError(
                    "no public key to verify with: \(path) does not exist (create a key pair with 'gantry keys generate' "
                        + "before packing, or pass --key with the signer's public key)")
            }
            let keys = try paths.map { try VerificationKey.load(from: $0) }
            let store = try ArtifactCommand.store()
            let artifact = try await store.resolve(try ArtifactReference(parsing: reference))
            let checks = Verifier(store: store, keys: keys).verify(artifact)
            let passed = checks.map(\.kind) == Verifier.CheckKind.allCases && checks.allSatisfy(\.passed)
            try await StateLocation.repositories().appendAudit(
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
