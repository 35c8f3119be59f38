import ArgumentParser
import Composition
import Engine
import Foundation
import GantryCore
import Pipeline
import Store

/// `gantry plan`: the DAG after matrix expansion, and what would run, be avoided or be skipped, with
/// the reason a job runs again. Runs nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Show the jobs level by level and whether each would run, be avoided or be skipped (and why), without running anything."
    )

    @OptionGroup var pipeline: PipelineFileOption

    @Option(help: "Apply path filters to the files changed since this git ref.")
    var since: String?

    @Option(
        name: .customLong("changed-files"), help: "Apply path filters to the files listed in this file (one per line).")
    var changedFiles: String?

    @Option(name: .customLong("job"), help: "Plan only this job (id or expanded name) and what it needs. Repeatable.")
    var jobs: [String] = []

    @Flag(name: .customLong("no-cache"), help: "Plan as `run --no-cache` would: no job avoided, no cache restored.")
    var noCache = false

    @OptionGroup var secretOptions: SecretOptions

    @Flag(help: "Print the plan as JSON.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "A template repository: list the pipelines under --repos that include it, and how their plans change at --candidate.",
            valueName: "path"))
    var template: String?

    @Option(
        help: ArgumentHelp(
            "With --template: the template version to compare with (default: its HEAD).", valueName: "rev"))
    var candidate: String?

    @Option(
        help: ArgumentHelp(
            "With --template: a repository, or a folder of repositories, to look for gantry.yml files in (default: the current folder). Repeatable.",
            valueName: "dir"))
    var repos: [String] = []

    func run() async throws {
        if let template {
            try await TemplateImpactReport(
                template: template, candidate: candidate, repos: repos.isEmpty ? ["."] : repos, json: json
            ).print()
            return
        }
        guard candidate == nil, repos.isEmpty else {
            throw ValidationError("--candidate and --repos go with --template")
        }
        let file = try pipeline.resolved()
        let changed = try await ChangedFiles.resolve(
            since: since, changedFilesPath: changedFiles, pipelineFile: file)
        let definition = try await PipelineLoader.load(
            file, variables: try pipeline.variables(), changedFiles: changed, event: pipeline.event)
        let plan = try Planner(changedFiles: changed, selectedJobs: jobs).plan(definition)
        let environment = ProcessInfo.processInfo.environment
        let services = StateLocation.services
        var options = services.runOptions(file: file)
        options.secrets = try secretOptions.load(environment: environment)
        options.useCache = !noCache
        // Planning never creates state: without any, nothing can be avoided yet.
        let store = try services.stateIfPresent().map(SQLiteRepositories.init(store:))
        let preview = await AvoidancePreview.compute(
            definition: definition, plan: plan, options: options, store: store, snapshots: services.snapshots)
        if json {
            Terminal.printOut(
                Terminal.json(PlanCommand.jsonObject(plan, definition: definition, changed: changed, preview: preview)))
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
                let shown = job.matrixAtRunTime ? "\(name) (matrix computed at run time)" : name
                let padded = TerminalText.neutralize(shown).padding(
                    toLength: max(width, shown.count), withPad: " ", startingAt: 0)
                let needs = job.needs.isEmpty ? "" : paint("  ← \(PlanCommand.needsSummary(job, plan: plan))", "2")
                let predicted = preview.jobs[name]
                let detail = predicted.map { PlanCommand.describe($0) } ?? ""
                switch (job.decision, predicted?.verdict) {
                case (.run, .avoided(let runID)?), (.decidedAtRunTime, .avoided(let runID)?):
                    print("  \(paint("=", "36")) \(padded)  \(paint("avoided (result of run \(runID))", "36"))\(needs)")
                case (.run, _): print("  \(paint("✓", "32")) \(padded)  run\(paint(detail, "2"))\(needs)")
                case (.decidedAtRunTime(let condition), _):
                    print(
                        "  \(paint("?", "33")) \(padded)  run if \(TerminalText.neutralize(condition))\(paint(detail, "2"))\(needs)"
                    )
                case (.skip(let reason), _): print("  \(paint("–", "2")) \(padded)  \(paint("skip: \(reason)", "2"))")
                }
            }
        }
        if !definition.unsupported.isEmpty {
            print("Cannot run here (gantry run refuses the workflow; --skip-unsupported skips these):")
            for construct in definition.unsupported {
                print("  \(paint("✗", "31")) \(TerminalText.neutralize("\(construct.location): \(construct.message)"))")
            }
        }
    }

    /// The avoidance and cache part of a job's line, e.g. ` (src/app.py changed since run r-1), cache hit`.
    static func describe(_ job: AvoidancePreview.Job) -> String {
        var text = ""
        switch job.verdict {
        case .avoided: break
        case .runs(let reason): text = " (\(reason))"
        case .afterNeed(let need): text = " (unless avoided: known once '\(need)' has run)"
        case .notAvoidable(let reason): if reason != "no inputs declared" { text = " (not avoided: \(reason))" }
        }
        if let cache = job.cache { text += ", cache \(cache)" }
        return text
    }

    static func needsSummary(_ job: PlannedJob, plan: ExecutionPlan) -> String {
        let ids = job.needs.compactMap { plan.job(named: $0)?.jobID }
        var seen: [String] = []
        for id in ids where !seen.contains(id) { seen.append(id) }
        return seen.joined(separator: ", ")
    }

    static func jsonObject(
        _ plan: ExecutionPlan, definition: PipelineDefinition, changed: [String]?, preview: AvoidancePreview
    ) -> [String: Any] {
        var object: [String: Any] = [
            "pipeline": definition.name, "file": definition.file, "digest": definition.fileDigest.description,
            "levels": plan.levels, "format": definition.format.rawValue,
            "unsupported": definition.unsupported.map {
                [
                    "file": $0.location.file, "line": $0.location.line, "column": $0.location.column, "job": $0.job,
                    "step": $0.step.map { $0 as Any } ?? NSNull(), "message": $0.message,
                ] as [String: Any]
            },
            "jobs": plan.jobs.map { job -> [String: Any] in
                var entry: [String: Any] = [
                    "name": job.name, "job": job.jobID, "level": job.level, "needs": job.needs,
                    "matrix": Dictionary(job.matrix, uniquingKeysWith: { $1 }),
                ]
                if job.matrixAtRunTime { entry["matrix_computed"] = true }
                switch job.decision {
                case .run: entry["decision"] = "run"
                case .decidedAtRunTime(let condition):
                    entry["decision"] = "runtime"
                    entry["condition"] = condition
                case .skip(let reason):
                    entry["decision"] = "skip"
                    entry["reason"] = reason.description
                }
                if let predicted = preview.jobs[job.name] {
                    switch predicted.verdict {
                    case .avoided(let runID):
                        entry["avoidance"] = "avoided"
                        entry["reused_run"] = runID
                    case .runs(let reason):
                        entry["avoidance"] = "runs"
                        entry["avoidance_reason"] = reason
                    case .afterNeed(let need):
                        entry["avoidance"] = "after_need"
                        entry["avoidance_reason"] = "known once '\(need)' has run"
                    case .notAvoidable(let reason):
                        entry["avoidance"] = "never"
                        entry["avoidance_reason"] = reason
                    }
                    if let cache = predicted.cache { entry["cache"] = cache }
                }
                return entry
            },
        ]
        if let changed { object["changed_files"] = changed }
        return object
    }
}
