import Foundation
import GantryCore
import Pipeline

/// The build-avoidance key of a job that declares `inputs`: a SHA-256 over its resolved definition,
/// the content of its input files, its environment, its secrets (hashed), its needs' outputs, the
/// versions of Gantry (whose built-in actions it may use) and of the tools steps run (bash, git), and,
/// for a job that packs, the identity of the signing key (a key created or replaced since means the
/// artifact must be packed and signed again). If any of these changes, the job runs again.
enum AvoidanceKey {
    static func compute(
        job: JobDefinition, name: String, matrix: [(String, String)], environment: [String: String],
        secrets: [String: String], needs: NeedsState, workspace: URL, inputFiles files: [String],
        toolchain: Toolchain, fileDigest: (URL) throws -> String
    ) -> String {
        var hasher = StreamingHasher()
        hasher.update(field: "gantry-avoidance-v2")
        hasher.update(field: name)
        hasher.update(field: toolchain.toolVersions)
        if job.steps.contains(where: { $0.uses == "gantry/pack" }) {
            hasher.update(field: "signing-key:\(toolchain.signingKeyID)")
        }
        for (key, value) in matrix {
            hasher.update(field: key)
            hasher.update(field: value)
        }
        hasher.update(field: definitionFingerprint(job))
        for key in environment.keys.sorted() {
            hasher.update(field: key)
            hasher.update(field: environment[key] ?? "")
        }
        for key in secrets.keys.sorted() {
            hasher.update(field: key)
            // Only a digest of the value enters the key, never the value.
            hasher.update(field: Digest.sha256(secrets[key] ?? "").hex)
        }
        for need in needs.results.keys.sorted() {
            guard let state = needs.results[need] else { continue }
            hasher.update(field: need)
            hasher.update(field: state.result)
            for key in state.outputs.keys.sorted() {
                hasher.update(field: key)
                hasher.update(field: state.outputs[key] ?? "")
            }
        }
        hasher.update(field: "inputs:\(files.count)")
        for file in files {
            hasher.update(field: file)
            let digest = (try? fileDigest(workspace.appendingPathComponent(file))) ?? "unreadable"
            hasher.update(field: digest)
        }
        return hasher.finalize().hex
    }

    /// What, besides the pipeline and the files, decides what a job produces; the same for every job of a run.
    struct Toolchain: Sendable {
        /// `ToolVersions.json()` of the run.
        var toolVersions: String
        /// The key ID of the signing key packs use, `unsigned` without one, `unreadable` when it
        /// cannot be loaded (the pack will fail and say why).
        var signingKeyID: String
    }

    /// Everything about the job's definition that changes what it does.
    static func definitionFingerprint(_ job: JobDefinition) -> String {
        var parts: [String] = [
            job.id, job.condition ?? "", job.workingDirectory ?? "", String(job.timeout.milliseconds),
        ]
        parts += job.env.map { "env:\($0.name)=\($0.value)" }
        parts += job.outputs.map { "out:\($0.0)=\($0.1)" }
        parts += job.inputs.map { "in:\($0.pattern)" }
        if let cache = job.cache {
            parts += ["cache:\(cache.key)"] + cache.paths
            parts += cache.restoreKeys.map { "restore-key:\($0)" }
        }
        for step in job.steps {
            parts.append("step")
            parts += [step.name ?? "", step.id ?? "", step.run ?? "", step.shell ?? "", step.uses ?? ""]
            parts += [
                step.condition ?? "", step.workingDirectory ?? "", step.timeout.map { String($0.milliseconds) } ?? "",
            ]
            parts += step.with.map { "with:\($0.0)=\($0.1)" }
            parts += step.env.map { "env:\($0.name)=\($0.value)" }
        }
        return parts.joined(separator: "\u{0}")
    }

    static func decodeOutputs(_ json: String) -> [String: String] {
        guard let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object.compactMapValues { $0 as? String }
    }
}
