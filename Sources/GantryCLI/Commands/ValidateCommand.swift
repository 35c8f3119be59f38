import ArgumentParser
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
        do {
            let definition = try PipelineLoader.load(pipeline.file)
            let plan = try Planner().plan(definition)
            let steps = definition.jobs.reduce(0) { $0 + $1.steps.count }
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "valid": true, "file": pipeline.file, "pipeline": definition.name,
                            "jobs": definition.jobs.count,
                            "expanded_jobs": plan.jobs.count, "steps": steps, "diagnostics": [],
                        ] as [String: Any]))
            } else {
                let expanded =
                    plan.jobs.count == definition.jobs.count ? "" : " (\(plan.jobs.count) after matrix expansion)"
                Terminal.printOut(
                    "\(pipeline.file): ok: pipeline '\(definition.name)', \(definition.jobs.count) job\(definition.jobs.count == 1 ? "" : "s")\(expanded), \(steps) step\(steps == 1 ? "" : "s")"
                )
            }
        } catch let error as DiagnosticsError where json {
            Terminal.printOut(
                Terminal.json(
                    [
                        "valid": false, "file": pipeline.file,
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
    static func load(_ file: String) throws -> PipelineDefinition {
        let definition = try PipelineParser.load(path: file)
        let problems = ActionValidator(registry: ActionRegistry()).diagnostics(for: definition)
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return definition
    }
}
