import Foundation
import GantryCore
import Pipeline

/// The build-avoidance key of a job that declares `inputs`: a SHA-256 over its resolved definition,
/// the content of its input files, its environment, its secrets (hashed), its needs' outputs, the
/// versions of Gantry (whose built-in actions it may use) and of the tools steps run (bash, git), and,
/// for a job that packs, the identity of the signing key (a key created or replaced since means the
/// artifact must be packed and signed again). If any of these changes, the job runs again.
enum AvoidanceKey {
    /// The key, and the parts it was hashed from (kept with the job's last success so a later run or
    /// `gantry plan` can say which part changed).
    struct Manifest: Sendable {
        /// Label → value, in hashing order. Labels: `tools`, `signing-key`, `matrix.K`, `definition`,
        /// `env.NAME`, `secrets`, `needs.JOB`, `input:PATH`; values are digests except for short names.
        var parts: [(label: String, value: String)] = []
        var key: String = ""

        /// The parts as a JSON object, for the store.
        var json: String {
            "{" + parts.map { "\(JSONText.quote($0.label)):\(JSONText.quote($0.value))" }.joined(separator: ",") + "}"
        }
    }

    static func compute(
        job: JobDefinition, name: String, matrix: [(String, String)], environment: [String: String],
        secrets: [String: String], needs: NeedsState, workspace: URL, inputFiles files: [String],
        toolchain: Toolchain, fileDigest: (URL) throws -> String
    ) -> Manifest {
        var manifest = Manifest()
        func add(_ label: String, _ value: String) { manifest.parts.append((label, value)) }
        add("tools", Digest.sha256(toolchain.toolVersions).hex)
        if job.steps.contains(where: { $0.uses == "gantry/pack" }) { add("signing-key", toolchain.signingKeyID) }
        for (key, value) in matrix { add("matrix.\(key)", value) }
        add("definition", Digest.sha256(definitionFingerprint(job)).hex)
        for key in environment.keys.sorted() { add("env.\(key)", Digest.sha256(environment[key] ?? "").hex) }
        if !secrets.isEmpty {
            // One digest for all secrets: no value, nor a digest of one value alone, is kept.
            var hasher = StreamingHasher()
            for key in secrets.keys.sorted() {
                hasher.update(field: key)
                hasher.update(field: Digest.sha256(secrets[key] ?? "").hex)
            }
            add("secrets", hasher.finalize().hex)
        }
        for need in needs.results.keys.sorted() {
            guard let state = needs.results[need] else { continue }
            var hasher = StreamingHasher()
            hasher.update(field: state.result)
            for key in state.outputs.keys.sorted() {
                hasher.update(field: key)
                hasher.update(field: state.outputs[key] ?? "")
            }
            add("needs.\(need)", hasher.finalize().hex)
        }
        for file in files {
            add("input:\(file)", (try? fileDigest(workspace.appendingPathComponent(file))) ?? "unreadable")
        }
        var hasher = StreamingHasher()
        hasher.update(field: "gantry-avoidance-v3")
        hasher.update(field: name)
        hasher.update(field: String(manifest.parts.count))
        for part in manifest.parts {
            hasher.update(field: part.label)
            hasher.update(field: part.value)
        }
        manifest.key = hasher.finalize().hex
        return manifest
    }

    /// Why a job's key differs from the one of its last success, for people: the parts that changed,
    /// input files first ("src/app.py changed, 2 more inputs changed, env PYTHON changed").
    static func explain(current: Manifest, previous: [String: String]) -> String {
        let now = Dictionary(current.parts.map { ($0.label, $0.value) }, uniquingKeysWith: { $1 })
        var inputs: [String] = []
        var others: [String] = []
        for (label, value) in current.parts where previous[label] != value {
            let change = previous[label] == nil ? "added" : "changed"
            if label.hasPrefix("input:") {
                inputs.append("\(label.dropFirst(6)) \(change)")
            } else {
                others.append(describe(label, change))
            }
        }
        for label in previous.keys.sorted() where now[label] == nil {
            if label.hasPrefix("input:") {
                inputs.append("\(label.dropFirst(6)) removed")
            } else {
                others.append(describe(label, "removed"))
            }
        }
        var parts = Array(inputs.prefix(3))
        if inputs.count > 3 { parts.append("\(inputs.count - 3) more input\(inputs.count == 4 ? "" : "s") changed") }
        parts += others
        // Same parts, same key: the earlier result exists but cannot be reused.
        return parts.isEmpty
            ? "its earlier result cannot be reused (its snapshot names another workspace, or its artifacts are gone)"
            : parts.joined(separator: ", ")
    }

    private static func describe(_ label: String, _ change: String) -> String {
        switch label {
        case "tools": "the Gantry or tool versions \(change)"
        case "signing-key": "the signing key \(change)"
        case "definition": "the job's definition \(change)"
        case "secrets": "its secrets \(change)"
        default:
            if label.hasPrefix("env.") {
                "env \(label.dropFirst(4)) \(change)"
            } else if label.hasPrefix("needs.") {
                "the result or outputs of '\(label.dropFirst(6))' \(change)"
            } else if label.hasPrefix("matrix.") {
                "matrix value \(label.dropFirst(7)) \(change)"
            } else {
                "\(label) \(change)"
            }
        }
    }

    /// What, besides the pipeline and the files, decides what a job produces; the same for every job of a run.
    struct Toolchain: Sendable {
        /// `ToolVersions.json()` of the run.
        var toolVersions: String
        /// The key ID of the signing key packs use, `unsigned` without one, `unreadable` when it
        /// cannot be loaded (the pack will fail and say why).
        var signingKeyID: String

        /// The tool versions and signing key a run with `options` would use.
        static func current(options: RunOptions) async -> Toolchain {
            Toolchain(toolVersions: await ToolVersions.json(), signingKeyID: options.signingKeyID)
        }
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
        if let artifacts = job.artifacts {
            parts += ["artifacts:\(artifacts.name ?? ""):\(artifacts.when.rawValue)"] + artifacts.paths.map(\.pattern)
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
