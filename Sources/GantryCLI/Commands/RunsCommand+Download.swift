import ArgumentParser
import Engine
import Foundation
import GantryCore
import Store

extension RunsCommand {
    /// `gantry runs download`: the files a run's jobs handed on (`artifacts:`), as `gh run download` gives them.
    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "download",
            abstract: "Download the job artifacts of a run into a directory.",
            discussion: """
                Each artifact goes into DIR/NAME/; with a single --name, its files go into DIR itself.
                Existing files with the same paths are replaced.
                """)

        @Argument(help: "Run id, a unique prefix of one, or 'latest'.")
        var run: String

        @Option(name: [.short, .long], help: "Only this artifact. Repeatable.")
        var name: [String] = []

        @Option(name: [.customShort("D"), .long], help: "Where to put the files (default: the current directory).")
        var dir: String = "."

        func run() async throws {
            let store = try StateLocation.existingRepositories()
            guard let record = try await store.run(matching: run) else {
                throw InputError("no run matches '\(run)' (see 'gantry runs list')")
            }
            let all = try await store.jobArtifacts(runID: record.id, jobIDs: nil)
            guard !all.isEmpty else { throw InputError("run \(record.id) stored no artifacts") }
            let unknown = name.filter { wanted in !all.contains { $0.name == wanted } }
            guard unknown.isEmpty else {
                throw InputError(
                    "run \(record.id) has no artifact \(unknown.map { "'\($0)'" }.joined(separator: ", ")) (it has: \(all.map(\.name).joined(separator: ", ")))"
                )
            }
            let chosen = name.isEmpty ? all : all.filter { name.contains($0.name) }
            let base = URL(fileURLWithPath: dir)
            let download = RunArtifactDownload(snapshots: StateLocation.services.snapshots)
            for artifact in chosen {
                let target = name.count == 1 ? base : base.appendingPathComponent(artifact.name)
                let count = try await download.download(artifact, into: target)
                Terminal.printOut(
                    "\(TerminalText.neutralize(artifact.name)): \(count) file\(count == 1 ? "" : "s") in \(TerminalText.neutralize(target.path))"
                )
            }
        }
    }
}
