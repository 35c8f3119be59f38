import Foundation
import GantryCore
import Pipeline

/// What a change of a shared template does to the pipelines that include it (`gantry plan
/// --template`): every `gantry.yml` under some folders that includes the template, with the plan at
/// the version it pins and the plan at a candidate version, compared job by job — the lesson of a
/// template edit that silently removed the test stage from twenty services.
public enum TemplateImpact {
    /// One pipeline that includes the template.
    public struct PipelineImpact: Sendable {
        /// The pipeline file.
        public var file: String
        /// The template as the pipeline pins it.
        public var pinned: TemplateUse
        /// The candidate's commit.
        public var candidateCommit: String?
        /// How the plan changes (empty: it does not).
        public var changes: [JobChange]
        /// Why the pipeline could not be planned at one of the versions (its diagnostics).
        public var problem: String?
    }

    /// How one job of the plan changes.
    public enum JobChange: Sendable, Hashable {
        /// The job (an expanded name) is no longer in the plan.
        case removed(String)
        /// The job is new in the plan.
        case added(String)
        /// The job is in both, with these parts changed (`steps`, `needs`, `if`, …).
        case changed(String, [String])
    }

    /// Folders skipped when looking for pipelines.
    static let skipped: Set<String> = [".git", ".gantry", ".build", "node_modules", "vendor", "target", ".venv"]

    /// The pipelines under `roots` (each a repository or a folder of repositories, searched 3 levels
    /// deep for `gantry.yml`) that include the template repository at `template`, each compared with
    /// the template at `candidate` (nil: the repository's HEAD).
    public static func assess(template: URL, candidate: String?, under roots: [URL]) async -> [PipelineImpact] {
        let target = template.resolvingSymlinksInPath().standardizedFileURL.path
        let source = GitTemplates(requirePinned: false)
        var impacts: [PipelineImpact] = []
        for file in pipelineFiles(under: roots) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let references = PipelineParser.templateReferences(text: text, file: file)
            guard !references.isEmpty else { continue }
            let workspace = PipelineFormat.workspace(forFile: file)
            var resolved: [ResolvedTemplate] = []
            for reference in references {
                if let template = try? await source.resolve(reference, workspace: workspace) {
                    resolved.append(template)
                }
            }
            guard let position = resolved.firstIndex(where: { $0.use.resolvedPath == target }) else { continue }
            var impact = PipelineImpact(
                file: file, pinned: resolved[position].use, candidateCommit: nil, changes: [], problem: nil)
            var candidateReference = resolved[position].use.reference
            candidateReference.version = candidate ?? "HEAD"
            var changed = resolved
            var stage = "at \(candidateReference.version ?? "HEAD")"
            do {
                changed[position] = try await source.resolve(candidateReference, workspace: workspace)
                impact.candidateCommit = changed[position].use.commit
                stage = "at \(resolved[position].use.reference.version ?? "its HEAD") (as pinned)"
                let before = try plan(text: text, file: file, templates: resolved)
                stage = "at \(candidateReference.version ?? "HEAD")"
                // The candidate stands for the pinned reference: the file itself names the pinned version.
                changed[position].use.reference = resolved[position].use.reference
                let after = try plan(text: text, file: file, templates: changed)
                impact.changes = compare(before, after)
            } catch let error as DiagnosticsError {
                impact.problem = "\(stage):\n" + error.diagnostics.map(\.description).joined(separator: "\n")
            } catch let problem as GitTemplates.Problem {
                impact.problem = "\(stage): \(problem.message)"
            } catch {
                impact.problem = "\(stage): \(error)"
            }
            impacts.append(impact)
        }
        return impacts
    }

    /// `gantry.yml` files under `roots`, at most 3 folders deep, in path order.
    static func pipelineFiles(under roots: [URL]) -> [String] {
        var files: [String] = []
        func visit(_ folder: URL, depth: Int) {
            for name in ["gantry.yml", "gantry.yaml"] {
                let file = folder.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: file.path) {
                    files.append(file.path)
                    break
                }
            }
            guard depth < 3,
                let children = try? FileManager.default.contentsOfDirectory(
                    at: folder, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            else { return }
            for child in children.sorted(by: { $0.path < $1.path }) where !skipped.contains(child.lastPathComponent) {
                let values = try? child.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
                if values?.isDirectory == true, values?.isSymbolicLink != true { visit(child, depth: depth + 1) }
            }
        }
        for root in roots { visit(root.standardizedFileURL, depth: 0) }
        return Array(NSOrderedSet(array: files).compactMap { $0 as? String })
    }

    /// The plan of the pipeline with `templates`, as (expanded name → its job's definition).
    static func plan(text: String, file: String, templates: [ResolvedTemplate]) throws -> [(String, JobDefinition)] {
        let definition = try PipelineParser.parse(text: text, file: file, templates: templates)
        let plan = try Planner().plan(definition)
        return plan.jobs.compactMap { job in definition.job(job.jobID).map { (job.name, $0) } }
    }

    /// The jobs removed, added and changed from `before` to `after`, in plan order.
    static func compare(_ before: [(String, JobDefinition)], _ after: [(String, JobDefinition)]) -> [JobChange] {
        let afterByName = Dictionary(after, uniquingKeysWith: { first, _ in first })
        let beforeNames = Set(before.map(\.0))
        var changes: [JobChange] = []
        for (name, job) in before {
            guard let other = afterByName[name] else {
                changes.append(.removed(name))
                continue
            }
            let parts = fingerprint(job).compactMap { part, value in fingerprint(other)[part] == value ? nil : part }
            if !parts.isEmpty { changes.append(.changed(name, parts.sorted())) }
        }
        for (name, _) in after where !beforeNames.contains(name) { changes.append(.added(name)) }
        return changes
    }

    /// The parts of a job a template can change, each as text to compare.
    static func fingerprint(_ job: JobDefinition) -> [String: String] {
        let steps = job.steps.map { step in
            [
                step.name ?? "", step.id ?? "", step.run ?? "", step.shell ?? "", step.uses ?? "",
                step.with.map { "\($0.0)=\($0.1)" }.joined(separator: ","),
                step.env.map { "\($0.name)=\($0.value)" }.joined(separator: ","), step.condition ?? "",
                step.timeout.map { "\($0)" } ?? "", "\(step.continueOnError)", step.workingDirectory ?? "",
            ].joined(separator: "\u{1}")
        }
        return [
            "steps": steps.joined(separator: "\u{2}"),
            "needs": job.needs.sorted().joined(separator: ","),
            "if": job.condition ?? "",
            "env": job.env.map { "\($0.name)=\($0.value)" }.joined(separator: ","),
            "timeout": "\(job.timeout)",
            "retry": job.retry.map { "\($0)" } ?? "",
            "continue-on-error": "\(job.continueOnError)",
            "paths": (job.paths + job.pathsIgnore).map(\.pattern).joined(separator: ","),
            "cache": job.cache.map { "\($0.key)|\($0.paths)|\($0.restoreKeys)" } ?? "",
            "artifacts": job.artifacts.map { "\($0.name ?? "")|\($0.paths.map(\.pattern))|\($0.when)" } ?? "",
            "secrets": job.secrets.sorted().joined(separator: ","),
            "outputs": job.outputs.map { "\($0.0)=\($0.1)" }.joined(separator: ","),
        ]
    }
}
