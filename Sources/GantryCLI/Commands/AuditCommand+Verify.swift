import ArgumentParser
import Artifacts
import Attestation
import Composition
import Foundation
import GantryCore
import Release
import Store

extension AuditCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract:
                "Check the audit log against its hash chain and its newest signed checkpoint; exit 1 on tampering.",
            discussion: """
                Rows are chained with HMAC-SHA-256 (key: .gantry/keys/audit.key). Each promotion, approval, \
                rollback and rejection (and 'gantry audit checkpoint') stores a checkpoint of the head, signed \
                with the signing key, as the artifact gantry-audit:checkpoint-<row>. A rewritten chain, a \
                dropped tail and an emptied log differ from the newest checkpoint. Pass --key with a public key \
                kept outside .gantry/ so that a replaced key pair cannot vouch for a forged checkpoint.
                """)

        @Option(help: "A trusted public key (PEM) for checkpoints. Repeatable. Default: .gantry/keys/signing.pub.")
        var key: [String] = []

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var remote: ServerOption

        func run() async throws {
            if let client = try remote.client() {
                let answer = try RemoteObject(
                    try await client.get("/api/v1/audit/verify").object(), "audit verification")
                return try render(
                    AuditVerification(
                        count: try answer.int("count"), anchoredAt: answer.optionalInt("anchored_at").map(Int64.init),
                        headHash: try answer.string("head_hash"),
                        problems: answer.fields["problems"] as? [String] ?? []))
            }
            let state = try StateLocation.existingRepositories()
            let keys = try StateLocation.services.trustedKeys(flags: key)
            // Without a store there are no checkpoints to read; a missing store is itself suspicious
            // when promotions were recorded (they write checkpoints).
            let artifacts = try? StateLocation.services.artifacts(create: false)
            var result =
                if let artifacts {
                    try await AuditAnchor(state: state, artifacts: artifacts, signingKey: nil, keys: keys).verify()
                } else {
                    try await state.verifyAudit()
                }
            if result.anchoredAt == nil, !keys.isEmpty,
                !(try await state.promotions(app: nil, environment: nil, limit: 1)).isEmpty
            {
                result.problems.append(
                    "no signed checkpoint exists, yet promotions were recorded (each writes one): checkpoints were deleted, or the key changed"
                )
            }
            try render(result)
        }

        /// Prints the verification (or JSON); a broken chain exits 1.
        private func render(_ result: AuditVerification) throws {
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "intact": result.isIntact, "entries": result.count, "head": result.headHash,
                            "anchored_at": result.anchoredAt.map { $0 as Any } ?? NSNull(),
                            "problems": result.problems,
                        ]
                            as [String: Any]))
            } else {
                for problem in result.problems { print("✗ \(problem)") }
                if result.isIntact {
                    print("audit log intact: \(result.count) entries, head \(result.headHash)")
                    print(
                        result.anchoredAt.map { "anchored: rows 1–\($0) match a signed checkpoint" }
                            ?? "not anchored: no signed checkpoint (create a signing key with 'gantry keys generate'; checkpoints are written at each promotion, or with 'gantry audit checkpoint')"
                    )
                } else {
                    print("audit log TAMPERED: \(result.problems.count) problem(s) in \(result.count) entries")
                }
            }
            if !result.isIntact { throw CommandExit(status: .failure) }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Sign a checkpoint of the audit log's head and store it as gantry-audit:checkpoint-<row>.",
            discussion: "Push it to a registry you control (gantry artifact push) to anchor the log off this machine.")

        func run() async throws {
            let state = try StateLocation.existingRepositories()
            guard let signingKey = try StateLocation.services.signingKey() else {
                throw InputError("no signing key: run 'gantry keys generate' first (checkpoints are signed)")
            }
            let anchor = AuditAnchor(
                state: state, artifacts: try StateLocation.services.artifacts(),
                signingKey: signingKey, keys: [])
            guard let checkpoint = try await anchor.checkpoint(reason: "checkpoint") else {
                throw InputError("the audit log is empty: nothing to checkpoint")
            }
            print(
                "checkpoint of rows 1–\(checkpoint.sequence) (head \(checkpoint.head)) stored as \(AuditCheckpoint.app):checkpoint-\(checkpoint.sequence)"
            )
        }
    }
}
