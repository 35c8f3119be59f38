import ArgumentParser
import Foundation
import GantryCore
import Pipeline

/// `gantry plan`: the DAG after matrix expansion, and what would run or be skipped. Runs nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the jobs level by level and whether each would run, without running anything.")

    @OptionGroup var pipeline: PipelineFileOption

    @Option(help: "Apply path filters to the files changed since this git ref.")
    var since: String?

    @Option(
        name: .customLong("changed-files"), help: "Apply path filters to the files listed in this file (one per line).")
    var changedFiles: String?

    @Option(name: .customLong("job"), help: "Plan only this job (id or expanded name) and what it needs. Repeatable.")
    var jobs: [String] = []

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() async throws {
        let definition = try PipelineLoader.load(pipeline.file)
        let changed = try await ChangedFiles.resolve(
            since: since, changedFilesPath: changedFiles, pipelineFile: pipeline.file)
        let plan = try Planner(changedFiles: changed, selectedJobs: jobs).plan(definition)
        if json {
            Terminal.printOut(Terminal.json(PlanCommand.jsonObject(plan, definition: definition, changed: changed)))
            return
        }
        let color = Terminal.colorEnabled()
        // Names, conditions and reasons come from the pipeline file: neutralised before colour is added.
        func paint(_ text: String, _ code: String) -> String {
            let safe = TerminalText.neutralize(text)
            return color ? "\u{1B}[\(code)m\(safe)\u{1B}[0m" : safe
        }
        func print(_ text: String) { Terminal.printRaw(text) }
        let levels = plan.levels
        print(
            "Plan for '\(TerminalText.neutralize(definition.name))': \(plan.jobs.count) job\(plan.jobs.count == 1 ? "" : "s") in \(levels.count) level\(levels.count == 1 ? "" : "s")"
        )
        if let changed { print("Changed files: \(changed.count)") }
        let width = min(50, plan.jobs.map(\.name.count).max() ?? 10)
        for (index, names) in levels.enumerated() {
            print("level \(index)")
            for name in names {
                guard let job = plan.job(named: name) else { continue }
                let padded = TerminalText.neutralize(name).padding(
                    toLength: max(width, name.count), withPad: " ", startingAt: 0)
                let needs = job.needs.isEmpty ? "" : paint("  ← \(PlanCommand.needsSummary(job, plan: plan))", "2")
                switch job.decision {
                case .run: print("  \(paint("✓", "32")) \(padded)  run\(needs)")
                case .decidedAtRunTime(let condition):
                    print("  \(paint("?", "33")) \(padded)  run if \(TerminalText.neutralize(condition))\(needs)")
                case .skip(let reason): print("  \(paint("–", "2")) \(padded)  \(paint("skip: \(reason)", "2"))")
                }
            }
        }
    }

    static func needsSummary(_ job: PlannedJob, plan: ExecutionPlan) -> String {
        let ids = job.needs.compactMap { plan.job(named: $0)?.jobID }
        var seen: [String] = []
        for id in ids where !seen.contains(id) { seen.append(id) }
        return seen.joined(separator: ", ")
    }

    static func jsonObject(_ plan: ExecutionPlan, definition: PipelineDefinition, changed: [String]?) -> [String: Any] {
        var object: [String: Any] = [
            "pipeline": definition.name, "file": definition.file, "digest": definition.fileDigest.description,
            "levels": plan.levels,
            "jobs": plan.jobs.map { job -> [String: Any] in
                var entry: [String: Any] = [
                    "name": job.name, "job": job.jobID, "level": job.level, "needs": job.needs,
                    "matrix": Dictionary(job.matrix, uniquingKeysWith: { $1 }),
                ]
                switch job.decision {
                case .run: entry["decision"] = "run"
                case .decidedAtRunTime(let condition):
                    entry["decision"] = "runtime"
                    entry["condition"] = condition
                case .skip(let reason):
                    entry["decision"] = "skip"
                    entry["reason"] = reason.description
                }
                return entry
            },
        ]
        if let changed { object["changed_files"] = changed }
        return object
    }
}
