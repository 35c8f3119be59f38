import Foundation
import GantryTestSupport
import Processes
import Store

@testable import Engine

/// A pipeline in a temporary workspace, run through `PipelineRunner` as `gantry run` would.
struct PipelineHarness {
    let directory: TemporaryDirectory

    init(_ pipeline: String, files: [String: String] = [:]) throws {
        directory = try TemporaryDirectory()
        try directory.write("gantry.yml", pipeline)
        for (path, content) in files { try directory.write(path, content) }
    }

    var state: URL { directory.url.appendingPathComponent(".gantry") }

    func options(_ configure: (inout RunOptions) -> Void = { _ in }) -> RunOptions {
        var options = RunOptions(file: directory.url.appendingPathComponent("gantry.yml").path, stateDirectory: state)
        options.killGrace = .milliseconds(300)
        options.parallel = 2
        options.baseEnvironment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        configure(&options)
        return options
    }

    func run(
        cancellation: CancellationFlag = CancellationFlag(), _ configure: (inout RunOptions) -> Void = { _ in }
    ) async throws -> RunResult {
        let state = self.state
        return try await PipelineRunner(
            options: options(configure), store: { SQLiteRepositories(store: try StateStore(directory: state)) },
            snapshots: SnapshotStore(stateDirectory: state), cancellation: cancellation
        ).run()
    }

    /// Every JSONL record of a job's log.
    func log(_ result: RunResult, job: String) throws -> [[String: Any]] {
        let url = URL(fileURLWithPath: result.logDirectory).appendingPathComponent(EngineLogNames.fileName(job))
        return try String(decoding: Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// Output lines of a job's log.
    func lines(_ result: RunResult, job: String) throws -> [String] {
        try log(result, job: job).compactMap { $0["line"] as? String }
    }

    func store() throws -> StateStore { try StateStore(directory: state) }

    func remove() { directory.remove() }
}

extension RunResult {
    func job(_ name: String) -> JobResult? { jobs.first { $0.name == name } }
    var statuses: [String: JobStatus] { Dictionary(uniqueKeysWithValues: jobs.map { ($0.name, $0.status) }) }
}
