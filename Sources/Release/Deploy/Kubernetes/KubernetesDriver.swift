import Foundation
import GantryCore
import Pipeline

/// Deploys a digest to Kubernetes: renders the manifests with the image pinned by digest (or, for a
/// rollback, takes the rendering kept from the deployment being restored), keeps the rendering with
/// the promotion, applies it with `kubectl apply --server-side` and waits for every Deployment,
/// StatefulSet and DaemonSet with `kubectl rollout status`.
struct KubernetesDriver {
    var definition: KubernetesDeployDefinition
    /// Each `kubectl` call's limit, and `rollout status --timeout`.
    var timeout: Duration
    var commands: CommandRunner
    /// Variables for `kubectl` (the driver's `env` and the environment's secrets).
    var environment: [String: String]
    /// Where renderings are kept: `<state>/kubernetes/<promotion>.yaml`.
    var renderings: URL
    var report: @Sendable (String) -> Void

    /// What to deploy.
    struct Request {
        var app: String
        var environmentName: String
        var digest: Digest
        var promotionID: String
        /// The unpacked artifact, searched for the manifests first.
        var artifactDirectory: URL?
        /// The pipeline file's directory, searched second.
        var workingDirectory: URL
        /// A deployment whose kept rendering is re-applied as it was (rollbacks), if it has one.
        var restoring: String?
    }

    /// Where the rendering of `promotionID` is kept.
    static func renderingFile(in directory: URL, promotionID: String) -> URL {
        directory.appendingPathComponent("\(promotionID).yaml")
    }

    func deploy(_ request: Request) async -> CommandRunner.Result {
        let rendering: KubernetesRendering
        let file: URL
        do {
            (rendering, file) = try prepare(request)
        } catch {
            return CommandRunner.Result(succeeded: false, summary: "\(error)")
        }
        for warning in rendering.warnings { report("  warning: \(warning)") }
        report(
            "  rendered \(rendering.objects.count) object\(rendering.objects.count == 1 ? "" : "s"), "
                + "\(rendering.pinnedContainers) container\(rendering.pinnedContainers == 1 ? "" : "s") pinned to "
                + "\(definition.image)@\(request.digest.short): \(file.path)")
        var global: [String] = []
        if let context = definition.context { global += ["--context", context] }
        let apply = await kubectl(
            global + (definition.namespace.map { ["--namespace", $0] } ?? [])
                + ["apply", "--server-side", "--field-manager=gantry", "-f", file.path])
        guard apply.succeeded else {
            return CommandRunner.Result(
                succeeded: false, summary: "kubectl apply: \(apply.summary)", cancelled: apply.cancelled)
        }
        let seconds = max(1, Int(timeout.components.seconds))
        for workload in rendering.workloads {
            let namespace = workload.namespace ?? definition.namespace
            let wait = await kubectl(
                global + (namespace.map { ["--namespace", $0] } ?? [])
                    + ["rollout", "status", "\(workload.kind.lowercased())/\(workload.name)", "--timeout=\(seconds)s"])
            guard wait.succeeded else {
                return CommandRunner.Result(
                    succeeded: false, summary: "kubectl rollout status \(workload): \(wait.summary)",
                    cancelled: wait.cancelled)
            }
        }
        let waited = rendering.workloads.map(\.description).joined(separator: ", ")
        return CommandRunner.Result(
            succeeded: true, summary: rendering.workloads.isEmpty ? "applied" : "applied; rolled out \(waited)")
    }

    /// Renders (or restores) and keeps the rendering; returns it and the file `kubectl` applies.
    private func prepare(_ request: Request) throws -> (KubernetesRendering, URL) {
        let renderer = KubernetesRenderer(
            image: definition.image, digest: request.digest, namespace: definition.namespace,
            annotations: [
                ("gantry.dev/app", request.app), ("gantry.dev/environment", request.environmentName),
                ("gantry.dev/digest", request.digest.description),
            ])
        if let restoring = request.restoring {
            let kept = Self.renderingFile(in: renderings, promotionID: restoring)
            if let text = try? String(contentsOf: kept, encoding: .utf8) {
                report("  re-applying the manifests rendered for \(restoring) (not the current ones)")
                let rendering = try renderer.render([KubernetesManifestFiles.Source(label: kept.path, text: text)])
                return (rendering, try keep(rendering, for: request.promotionID))
            }
            report("  no rendering kept for \(restoring): rendering the current manifests for \(request.digest.short)")
        }
        var roots: [(name: String, directory: URL)] = []
        if let artifact = request.artifactDirectory { roots.append(("the artifact", artifact)) }
        roots.append(("the pipeline's directory", request.workingDirectory))
        let files = try KubernetesManifestFiles(path: definition.manifests, roots: roots)
        report("  manifests: \(files.origin)")
        let rendering = try renderer.render(files.sources)
        return (rendering, try keep(rendering, for: request.promotionID))
    }

    /// Writes `rendering` where the deployment `promotionID` keeps it; returns the file.
    private func keep(_ rendering: KubernetesRendering, for promotionID: String) throws -> URL {
        let file = Self.renderingFile(in: renderings, promotionID: promotionID)
        do {
            try FileManager.default.createDirectory(at: renderings, withIntermediateDirectories: true)
            try Data(rendering.yaml.utf8).write(to: file, options: .atomic)
        } catch {
            throw ReleaseError.deploymentFailed(
                "cannot keep the rendered manifests at \(file.path): \(FileErrorText.describe(error))"
            )
        }
        return file
    }

    private func kubectl(_ arguments: [String]) async -> CommandRunner.Result {
        var executable = definition.kubectl
        if executable.contains("/") && !executable.hasPrefix("/") {
            executable = commands.workingDirectory.appendingPathComponent(executable).path
        }
        report("  $ kubectl \(arguments.joined(separator: " "))")
        return await commands.run(
            executable: executable, arguments: arguments, environment: environment, timeout: timeout)
    }
}
