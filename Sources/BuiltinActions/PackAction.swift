import Artifacts
import Attestation
import Engine
import Foundation
import GantryCore
import StateModel

/// `uses: gantry/pack` with `path`, `name` and optional `tag`: packs a directory into a deterministic
/// OCI artifact in the state directory's store. Outputs `digest` (`sha256:…`) and `ref` (`APP@sha256:…`).
/// With a signing key (`GANTRY_SIGNING_KEY` or `.gantry/keys/signing.key`) it also attaches a signed SBOM
/// and a SLSA provenance naming the pipeline file, job, commit and run; output `signed` says which.
struct PackAction: BuiltinAction {
    static let name = "pack"
    static let inputs = ["path", "name", "tag"]
    let services: ActionServices

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        guard let path = invocation.with["path"], !path.isEmpty else {
            throw ActionError("gantry/pack needs 'path:' (the directory to pack)")
        }
        guard let name = invocation.with["name"], !name.isEmpty else {
            throw ActionError("gantry/pack needs 'name:' (the application the artifact belongs to)")
        }
        let tag = invocation.with["tag"].flatMap { $0.isEmpty ? nil : $0 }
        let directory =
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : invocation.workingDirectory.appendingPathComponent(path)
        let environment = ProcessInfo.processInfo.environment.merging(invocation.environment) { $1 }
        let packer = DirectoryPacker(mtime: DirectoryPacker.sourceDateEpoch(environment))
        let signingKey = try services.signingKey()
        let store = try services.artifacts()
        // Hashing and compressing a large tree blocks its thread for seconds: not a cooperative one.
        let packed = try await BlockingWork.run { try store.pack(directory, app: name, tag: tag, packer: packer) }
        invocation.log("packed \(packed.entries) entries as \(packed.reference) (tag \(packed.tag))")
        let audit = try services.state()
        var details = [
            "tag": packed.tag, "signed": String(signingKey != nil), "run": invocation.run.runID,
            "job": invocation.run.job,
        ]
        guard let signingKey else {
            try await audit.appendAudit(
                actor: AuditActor.current(), action: "pack", subject: packed.reference, details: details)
            invocation.log("not signed: no signing key (gantry keys generate)")
            return ["digest": packed.digest.description, "ref": packed.reference, "signed": "false"]
        }
        var context = BuildContext(
            app: packed.app, tag: packed.tag, invocationID: invocation.run.correlation,
            startedOn: invocation.run.startedAt,
            finishedOn: Date())
        context.pipelineFile = invocation.run.pipelineFile
        context.pipelineDigest = invocation.run.pipelineDigest
        context.job = invocation.run.job
        context.commit = invocation.run.commit
        context.branch = invocation.run.branch
        context.uncommittedChanges = invocation.run.uncommittedChanges
        let attestor = Attestor(store: store, key: signingKey)
        let attested = try await BlockingWork.run { [context] in
            try attestor.attest(packed, directory: directory, context: context, timestamp: packer.mtime)
        }
        details["sbom"] = attested.sbomDigest.description
        try await audit.appendAudit(
            actor: AuditActor.current(), action: "pack", subject: packed.reference, details: details)
        invocation.log("signed SBOM (\(attested.components) components) and SLSA provenance")
        return ["digest": packed.digest.description, "ref": packed.reference, "signed": "true"]
    }
}
