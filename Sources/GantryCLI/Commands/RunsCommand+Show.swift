import ArgumentParser
import Foundation
import GantryCore
import Store

extension RunsCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one run with its jobs, attempts and steps.")

        @Argument(help: "Run id, a unique prefix of one, or 'latest'.")
        var run: String

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var remote: ServerOption

        func run() async throws {
            if let client = try remote.client() {
                let detail = try RemoteObject(
                    try await client.get("/api/v1/runs/\(try RemotePath.segment(run))").object(), "run")
                let record = try RemoteRecords.run(try RemoteObject(detail.fields["run"], "run"))
                return render(
                    record, jobs: try detail.objects("jobs").map { try RemoteRecords.job($0, runID: record.id) },
                    artifacts: try detail.objects("artifacts").map {
                        try RemoteRecords.jobArtifact($0, runID: record.id)
                    })
            }
            let store = try StateLocation.existingRepositories()
            guard let record = try await store.run(matching: run) else {
                throw InputError("no run matches '\(run)' (see 'gantry runs list')")
            }
            render(
                record, jobs: try await store.jobs(runID: record.id),
                artifacts: try await store.jobArtifacts(runID: record.id, jobIDs: nil))
        }

        /// Prints the run with its jobs, steps and artifacts (or JSON).
        private func render(_ record: RunRecord, jobs: [JobRecord], artifacts: [JobArtifactRecord]) {
            if json {
                var object = RunsCommand.jsonObject(record)
                object["jobs"] = jobs.map(RunsCommand.jsonObject)
                object["artifacts"] = artifacts.map {
                    [
                        "name": $0.name, "job": $0.job, "digest": $0.digest, "size": $0.size,
                        "files": $0.files,
                    ]
                        as [String: Any]
                }
                Terminal.printOut(Terminal.json(object))
                return
            }
            print("Run \(record.id)  \(record.status)")
            print("  pipeline     \(record.pipelineName) (\(record.pipelineFile), \(record.pipelineDigest))")
            print("  correlation  \(record.correlation)")
            print("  started      \(Timestamp.iso8601(record.startedAt))")
            if let ms = record.durationMs { print("  duration     \(Duration.milliseconds(ms).humanShort)") }
            print("  commit       \(record.commitSHA ?? "-")\(record.branch.map { " (\($0))" } ?? "")")
            if let changes = record.uncommittedChanges {
                print(
                    changes.isEmpty
                        ? "  tree         clean"
                        : "  tree         dirty: \(changes.count) uncommitted change\(changes.count == 1 ? "" : "s") "
                            + "(\(changes.prefix(5).joined(separator: ", "))\(changes.count > 5 ? ", …" : ""))")
            }
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
                            "      \(step.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(step.name)\(code)  \(Duration.milliseconds(step.durationMs).humanShort)"
                        )
                    }
                }
            }
            guard !artifacts.isEmpty else { return }
            print("Artifacts (gantry runs download \(record.id))")
            for artifact in artifacts {
                print(
                    "  \(artifact.name)  \(artifact.files) file\(artifact.files == 1 ? "" : "s"), \(ByteCount.format(artifact.size))  from \(artifact.job)  \(artifact.digest)"
                )
            }
        }
    }
}
