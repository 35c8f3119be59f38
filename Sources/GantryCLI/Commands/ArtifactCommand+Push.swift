import ArgumentParser
import Artifacts
import Foundation
import GantryCore
import Store

extension ArtifactCommand {
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "push",
            abstract: "Push an artifact and its signed SBOM and provenance to an OCI registry.",
            discussion: """
                Blobs the repository already has are skipped (HEAD); blobs this store pushed to another \
                repository of the same registry are mounted instead of uploaded; large blobs go up in chunks. \
                Attestations are pushed as referrers (the referrers API where the registry has it, otherwise \
                the sha256-<hex> tag fallback). Credentials: GANTRY_REGISTRY_USERNAME and \
                GANTRY_REGISTRY_PASSWORD, or an auth file (GANTRY_REGISTRY_AUTH_FILE, REGISTRY_AUTH_FILE, \
                containers/auth.json, ~/.docker/config.json); never printed.
                """)

        @Argument(help: "The local artifact: APP@sha256:…, APP:TAG or APP.")
        var reference: String

        @Option(help: "REGISTRY/REPOSITORY[:TAG], e.g. 127.0.0.1:5000/team/web:1.0.")
        var to: String

        @OptionGroup var registry: RegistryOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let store = try ArtifactCommand.store()
            let artifact = try await store.resolve(try ArtifactReference(parsing: reference))
            let target = try RegistryReference(parsing: to)
            guard target.digest == nil else {
                throw ValidationError("--to names where to push (REGISTRY/REPOSITORY[:TAG]); leave out @sha256:…")
            }
            let state = try StateLocation.repositories()
            let mountFrom = try await state.pushedRepositories(
                registry: target.registry, digest: artifact.digest)
            let meter = ProgressMeter.forTerminal(json: json)
            let client = try registry.client(for: target.registry, progress: meter?.handler)
            let report = try await RegistryTransfer(store: store, client: client).push(
                artifact, to: target, mountFrom: mountFrom)
            meter?.finish()
            try await state.recordPush(
                registry: target.registry, repository: target.repository, digest: artifact.digest, at: Date())
            try await state.appendAudit(
                actor: AuditActor.current(), action: "push", subject: "\(artifact.app)@\(artifact.digest)",
                details: [
                    "to": report.reference.description, "uploaded": "\(report.uploaded)",
                    "skipped": "\(report.skipped)", "mounted": "\(report.mounted)", "referrers": "\(report.referrers)",
                ])
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "reference": report.reference.description, "digest": artifact.digest.description,
                            "uploaded": report.uploaded, "skipped": report.skipped, "mounted": report.mounted,
                            "bytes_uploaded": report.bytesUploaded, "referrers": report.referrers,
                            "referrers_api": report.referrersAPI,
                        ] as [String: Any]))
            } else {
                print(
                    "pushed \(report.reference): \(report.uploaded) blob(s) uploaded (\(ByteCount.format(report.bytesUploaded))), \(report.skipped) already there, \(report.mounted) mounted; \(report.referrers) attestation(s)\(report.referrers > 0 ? (report.referrersAPI ? " via the referrers API" : " via the sha256-<hex> tag fallback") : "")"
                )
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pull",
            abstract: "Pull an artifact and its attestations from an OCI registry into the local store.",
            discussion: """
                Every blob is verified against its digest while it streams to disk; nothing that fails is \
                stored. Pull by digest (REGISTRY/REPO@sha256:…) to get exactly what you expect.
                """)

        @Argument(help: "REGISTRY/REPOSITORY[:TAG][@sha256:…].")
        var reference: String

        @Option(help: "The local application name. Default: the repository's last component.")
        var name: String?

        @Option(help: "The local tag. Default: the reference's tag, else latest.")
        var tag: String?

        @OptionGroup var registry: RegistryOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let source = try RegistryReference(parsing: reference)
            let app = name ?? String(source.repository.split(separator: "/").last ?? "")
            let store = try ArtifactCommand.store()
            let meter = ProgressMeter.forTerminal(json: json)
            let client = try registry.client(for: source.registry, progress: meter?.handler)
            let report = try await RegistryTransfer(store: store, client: client).pull(
                source, as: app, tag: tag ?? source.tag ?? "latest")
            meter?.finish()
            try await StateLocation.repositories().appendAudit(
                actor: AuditActor.current(), action: "pull", subject: "\(app)@\(report.artifact.digest)",
                details: ["from": source.description, "referrers": "\(report.referrers)"])
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "app": app, "digest": report.artifact.digest.description, "tags": report.artifact.tags,
                            "blobs": report.blobs, "bytes": report.bytes, "referrers": report.referrers,
                        ] as [String: Any]))
            } else {
                print(
                    "pulled \(app)@\(report.artifact.digest): \(report.blobs) blob(s), \(ByteCount.format(report.bytes)), \(report.referrers) attestation(s); verify with 'gantry artifact verify \(app)@\(report.artifact.digest)'"
                )
            }
        }
    }
}
