import ArgumentParser
import Foundation
import GantryCore
import Store

/// `gantry runs list|show|download`: what ran, when, on which commit, and how it went.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List and inspect recorded runs, and download their job artifacts.",
        subcommands: [List.self, Show.self, Download.self], defaultSubcommand: List.self)

    static func jsonObject(_ run: RunRecord) -> [String: Any] {
        var object: [String: Any] = [
            "run": run.id, "correlation": run.correlation, "pipeline": run.pipelineName, "file": run.pipelineFile,
            "digest": run.pipelineDigest, "status": run.status.rawValue, "started_at": Timestamp.iso8601(run.startedAt),
        ]
        if let finished = run.finishedAt { object["finished_at"] = Timestamp.iso8601(finished) }
        if let ms = run.durationMs { object["duration_ms"] = ms }
        if let sha = run.commitSHA { object["commit"] = sha }
        if let changes = run.uncommittedChanges {
            object["tree"] = ["clean": changes.isEmpty, "uncommitted_changes": changes] as [String: Any]
        }
        if let branch = run.branch { object["branch"] = branch }
        if let data = run.toolVersions.data(using: .utf8), let tools = try? JSONSerialization.jsonObject(with: data) {
            object["tools"] = tools
        }
        return object
    }

    static func jsonObject(_ job: JobRecord) -> [String: Any] {
        var object: [String: Any] = [
            "name": job.name, "job": job.jobID, "status": job.status.rawValue, "attempts": job.attempts,
            "duration_ms": job.durationMs,
            "attempt_details": job.attemptRecords.map { attempt -> [String: Any] in
                [
                    "attempt": attempt.number, "status": attempt.status.rawValue, "duration_ms": attempt.durationMs,
                    "steps": attempt.steps.map { step -> [String: Any] in
                        var entry: [String: Any] = [
                            "name": step.name, "status": step.status.rawValue, "duration_ms": step.durationMs,
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
