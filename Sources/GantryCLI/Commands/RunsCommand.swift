import ArgumentParser
import Foundation
import GantryCore
import Store

/// `gantry runs list|show`: what ran, when, on which commit, and how it went.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List and inspect recorded runs.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent runs, newest first.")

        @Option(help: "How many runs to show.")
        var limit: Int = 20

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
        }

        func run() async throws {
            let runs = try StateStore(directory: StateLocation.directory).runs(limit: limit)
            if json {
                Terminal.printOut(Terminal.json(runs.map(RunsCommand.jsonObject)))
                return
            }
            guard !runs.isEmpty else {
                print("No runs recorded yet in \(StateLocation.directory.path). Start one with 'gantry run'.")
                return
            }
            print("RUN                     STATUS     DURATION  COMMIT        PIPELINE")
            for run in runs {
                let duration = run.durationMs.map { Duration.milliseconds($0).humanShort } ?? "-"
                print(
                    "\(run.id.padding(toLength: 22, withPad: " ", startingAt: 0))  \(run.status.padding(toLength: 9, withPad: " ", startingAt: 0))  \(duration.padding(toLength: 8, withPad: " ", startingAt: 0))  \((run.commitSHA.map { String($0.prefix(12)) } ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0))  \(run.pipelineName)"
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run with its jobs, attempts and steps.")

        @Argument(help: "Run id, a unique prefix of one, or 'latest'.")
        var run: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let store = try StateStore(directory: StateLocation.directory)
            guard let record = try store.run(matching: run) else {
                throw InputError("no run matches '\(run)' (see 'gantry runs list')")
            }
            let jobs = try store.jobs(runID: record.id)
            if json {
                var object = RunsCommand.jsonObject(record)
                object["jobs"] = jobs.map(RunsCommand.jsonObject)
                Terminal.printOut(Terminal.json(object))
                return
            }
            print("Run \(record.id)  \(record.status)")
            print("  pipeline     \(record.pipelineName) (\(record.pipelineFile), \(record.pipelineDigest))")
            print("  correlation  \(record.correlation)")
            print("  started      \(Timestamp.iso8601(record.startedAt))")
            if let ms = record.durationMs { print("  duration     \(Duration.milliseconds(ms).humanShort)") }
            print("  commit       \(record.commitSHA ?? "-")\(record.branch.map { " (\($0))" } ?? "")")
            print("  tools        \(record.toolVersions)")
            print("Jobs")
            for job in jobs {
                var line = "  \(job.name)  \(job.status)  \(Duration.milliseconds(job.durationMs).humanShort)"
                if job.attempts > 1 { line += "  \(job.attempts) attempts" }
                if let cache = job.cache { line += "  cache \(cache)" }
                if let reason = job.reason { line += "  (\(reason))" }
                print(line)
                for attempt in job.attemptRecords {
                    if job.attempts > 1 { print("    attempt \(attempt.number): \(attempt.status)") }
                    for step in attempt.steps {
                        let code = step.exitCode.map { " exit \($0)" } ?? step.signal.map { " signal \($0)" } ?? ""
                        print(
                            "      \(step.status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(step.name)\(code)  \(Duration.milliseconds(step.durationMs).humanShort)"
                        )
                    }
                }
            }
        }
    }

    static func jsonObject(_ run: RunRecord) -> [String: Any] {
        var object: [String: Any] = [
            "run": run.id, "correlation": run.correlation, "pipeline": run.pipelineName, "file": run.pipelineFile,
            "digest": run.pipelineDigest, "status": run.status, "started_at": Timestamp.iso8601(run.startedAt),
        ]
        if let finished = run.finishedAt { object["finished_at"] = Timestamp.iso8601(finished) }
        if let ms = run.durationMs { object["duration_ms"] = ms }
        if let sha = run.commitSHA { object["commit"] = sha }
        if let branch = run.branch { object["branch"] = branch }
        if let data = run.toolVersions.data(using: .utf8), let tools = try? JSONSerialization.jsonObject(with: data) {
            object["tools"] = tools
        }
        return object
    }

    static func jsonObject(_ job: JobRecord) -> [String: Any] {
        var object: [String: Any] = [
            "name": job.name, "job": job.jobID, "status": job.status, "attempts": job.attempts,
            "duration_ms": job.durationMs,
            "attempt_details": job.attemptRecords.map { attempt -> [String: Any] in
                [
                    "attempt": attempt.number, "status": attempt.status, "duration_ms": attempt.durationMs,
                    "steps": attempt.steps.map { step -> [String: Any] in
                        var entry: [String: Any] = [
                            "name": step.name, "status": step.status, "duration_ms": step.durationMs,
                        ]
                        if let code = step.exitCode { entry["exit_code"] = code }
                        if let signal = step.signal { entry["signal"] = signal }
                        return entry
                    },
                ]
            },
        ]
        if let cache = job.cache { object["cache"] = cache }
        if let reason = job.reason { object["reason"] = reason }
        if let data = job.outputs.data(using: .utf8), let outputs = try? JSONSerialization.jsonObject(with: data) {
            object["outputs"] = outputs
        }
        return object
    }
}
