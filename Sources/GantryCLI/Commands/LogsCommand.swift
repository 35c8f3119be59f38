import ArgumentParser
import Engine
import Foundation
import GantryCore
import Release
import Store

/// `gantry logs RUN [--job J]`: print a run's structured logs; `gantry logs p-…`: a promotion's deploy
/// and health-check output.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract:
            "Print the output of a run's jobs (from .gantry/logs/<run>/<job>.jsonl), or of a promotion's deploy and health checks."
    )

    @Argument(help: "Run id, a unique prefix of one, 'latest', or a promotion id (p-…).")
    var run: String

    @Option(name: .customLong("job"), help: "Only this job (id or expanded name). Repeatable.")
    var jobs: [String] = []

    @Flag(help: "Print the raw JSONL records (output lines and events).")
    var json = false

    @OptionGroup var remote: ServerOption

    func run() async throws {
        if let client = try remote.client() {
            let answer = try await client.get(
                "/api/v1/runs/\(try RemotePath.segment(run))/logs", query: jobs.map { ("job", $0) })
            for line in String(decoding: answer.body, as: UTF8.self).split(separator: "\n") where !Terminal.outputClosed
            {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                render(String(line), job: object?["job"] as? String ?? "?")
            }
            return
        }
        let state = StateLocation.directory
        let store = try StateLocation.existingRepositories()
        if run.hasPrefix("p-"), let promotion = try await store.promotion(id: run) {
            return try printPromotionLog(promotion.id, state: state)
        }
        guard let record = try await store.run(matching: run) else {
            throw InputError("no run matches '\(run)' (see 'gantry runs list')")
        }
        let records = try await store.jobs(runID: record.id)
        var selected = records
        if !jobs.isEmpty {
            selected = records.filter { jobs.contains($0.name) || jobs.contains($0.jobID) }
            guard !selected.isEmpty else {
                throw InputError(
                    "run \(record.id) has no job named \(jobs.joined(separator: ", "))\(Suggestion.hint(for: jobs[0], in: records.map(\.name)))"
                )
            }
        }
        let directory = state.appendingPathComponent("logs/\(record.id)")
        for job in selected where !Terminal.outputClosed {
            let url = directory.appendingPathComponent(EngineLogNames.fileName(job.name))
            guard FileManager.default.fileExists(atPath: url.path) else {
                // Avoided and skipped jobs ran nothing, and quiet jobs printed nothing, so they have no
                // log: say so, and where the output is.
                if !json, let reason = job.reason {
                    let earlier = reason.range(of: "since run ").map { String(reason[$0.upperBound...]) }
                    Terminal.printOut(
                        "[\(job.name)] \(job.status): \(reason)"
                            + (earlier.map { " (its output: gantry logs \($0) --job '\(job.name)')" } ?? ""))
                } else if !json {
                    Terminal.printOut(
                        "[\(job.name)] \(job.status): printed nothing (steps: gantry runs show \(record.id))")
                }
                continue
            }
            try EngineLogNames.forEachLine(of: url) { line in
                render(line, job: job.name)
                return !Terminal.outputClosed
            }
        }
    }

    /// Prints one JSONL record: raw with --json, else an output line or a step's start and a job's end.
    private func render(_ line: String, job: String) {
        if json {
            Terminal.printOut(line)
        } else if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
            if let text = object["line"] as? String {
                Terminal.printOut("[\(job)] \(text)")
            } else if let event = object["event"] as? String, ["step_start", "job_end"].contains(event) {
                let detail =
                    event == "step_start"
                    ? "▶ \(object["step"] as? String ?? "")" : "■ \(object["status"] as? String ?? "")"
                Terminal.printOut("[\(job)] \(detail)")
            }
        }
    }

    /// The output a promotion's deploy and health checks printed, as kept with it.
    private func printPromotionLog(_ id: String, state: URL) throws {
        let url = PromotionLog.url(stateDirectory: state, promotionID: id)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            print("promotion \(id) ran no deploy or health-check command: no output was recorded")
            return
        }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast(data.last == 10 ? 1 : 0) where !Terminal.outputClosed
        {
            Terminal.printOut(String(line))
        }
    }
}
