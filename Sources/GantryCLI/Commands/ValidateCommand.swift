import ArgumentParser
import Composition
import Engine
import Foundation
import GantryCore
import Pipeline

/// `gantry validate`: report every problem in a pipeline file at once.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file and report all problems as file:line:col.",
        discussion: "Exits 0 when the file is valid, 2 when it has errors.")

    @OptionGroup var pipeline: PipelineFileOption

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let file = try pipeline.resolved()
        do {
            let definition = try await PipelineLoader.load(
                file, variables: try pipeline.variables(), event: pipeline.event)
            let plan = try Planner().plan(definition)
            let steps = definition.jobs.reduce(0) { $0 + $1.steps.count }
            let warnings =
                PipelineLoader.unmatchedInputs(definition, workspace: PipelineFormat.workspace(forFile: file))
                + PipelineLoader.unsupportedWarnings(definition) + PipelineLoader.floatingTemplates(definition)
                + definition.warnings
            for warning in warnings where !json { Terminal.printError(warning.description) }
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "valid": true, "file": file, "pipeline": definition.name,
                            "jobs": definition.jobs.count,
                            "expanded_jobs": plan.jobs.count, "steps": steps,
                            "templates": definition.templates.map(PipelineLoader.templateObject),
                            "diagnostics": warnings.map {
                                [
                                    "file": $0.location.file, "line": $0.location.line, "column": $0.location.column,
                                    "severity": $0.severity.rawValue, "message": $0.message,
                                ] as [String: Any]
                            },
                        ] as [String: Any]))
            } else {
                let expanded =
                    plan.jobs.count == definition.jobs.count ? "" : " (\(plan.jobs.count) after matrix expansion)"
                Terminal.printOut(
                    "\(file): ok: pipeline '\(definition.name)', \(definition.jobs.count) job\(definition.jobs.count == 1 ? "" : "s")\(expanded), \(steps) step\(steps == 1 ? "" : "s")"
                )
                for template in definition.templates {
                    Terminal.printOut("  template \(TerminalText.neutralize(PipelineLoader.describe(template)))")
                }
            }
        } catch let error as DiagnosticsError where json {
            Terminal.printOut(
                Terminal.json(
                    [
                        "valid": false, "file": file,
                        "diagnostics": error.diagnostics.map {
                            [
                                "file": $0.location.file, "line": $0.location.line, "column": $0.location.column,
                                "severity": $0.severity.rawValue, "message": $0.message,
                            ] as [String: Any]
                        },
                    ] as [String: Any]))
            throw CommandExit(status: .inputError)
        }
    }
}

/// Loads a pipeline and checks its built-in actions, as every command that reads one does.
enum PipelineLoader {
    /// The pipeline at `file`; a GitLab CI file is read for the checkout's trigger (its branch, commit
    /// and default branch, `--var` variables and the changed files), as `gantry run` reads it.
    static func load(
        _ file: String, variables: [String: String] = [:], changedFiles: [String]? = nil, event: String? = nil
    ) async throws -> PipelineDefinition {
        let definition = try await LocalTrigger.loadPipeline(
            path: file, changedFiles: changedFiles, variables: variables, githubEvent: event)
        let problems = ActionValidator(registry: StateLocation.services.actions).diagnostics(for: definition)
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return definition
    }

    /// Templates that can change under the pipeline (a branch, no version), as warnings; with
    /// `CI=true` they are errors (`LocalTrigger.loadPipeline`).
    static func floatingTemplates(_ definition: PipelineDefinition) -> [Diagnostic] {
        definition.templates.filter { $0.pin == .floating }.map {
            Diagnostic(
                $0.reference.location, .warning,
                "the template '\($0.reference.source)' is not pinned: \($0.floatingReason ?? "no version") "
                    + "(pin a tag or a full commit; CI=true refuses it)")
        }
    }

    /// `../templates python.yml at v1.0.0 (tag, commit 1a2b3c4d5e6f)`.
    static func describe(_ template: TemplateUse) -> String {
        let reference = template.reference
        var text = reference.source
        if let file = reference.file { text += " \(file)" }
        if let version = reference.version { text += " at \(version)" }
        var details = [template.pin.rawValue]
        if let commit = template.commit { details.append("commit \(commit.prefix(12))") }
        return "\(text) (\(details.joined(separator: ", ")))"
    }

    /// A template use as JSON.
    static func templateObject(_ template: TemplateUse) -> [String: Any] {
        [
            "source": template.reference.source, "file": template.reference.file ?? NSNull(),
            "version": template.reference.version ?? NSNull(), "pin": template.pin.rawValue,
            "commit": template.commit ?? NSNull(),
        ]
    }

    /// What a workflow needs that cannot run here, as warnings: the file is valid, `gantry run`
    /// refuses it unless `--skip-unsupported`.
    static func unsupportedWarnings(_ definition: PipelineDefinition) -> [Diagnostic] {
        definition.unsupported.map {
            Diagnostic($0.location, .warning, "\($0.message) (gantry run refuses it; --skip-unsupported skips it)")
        }
    }

    /// `inputs` patterns that match no file in the workspace: a typo would make the job's avoidance
    /// key blind to the files it meant. A warning, since the files may be generated by an earlier job.
    static func unmatchedInputs(_ definition: PipelineDefinition, workspace: URL) -> [Diagnostic] {
        definition.jobs.flatMap { job in
            FileWalker.match(under: workspace, job.inputs).unmatched.map { glob in
                Diagnostic(
                    job.location, .warning,
                    "job '\(job.id)' inputs pattern '\(glob.pattern)' matches no file; until it does, the job is never avoided"
                )
            }
        }
    }
}
