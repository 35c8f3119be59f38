import ArgumentParser
import Foundation
import GantryCore
import Store

extension RunsCommand {
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
            let runs = try StateLocation.openExistingState().runs(limit: limit)
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
                    "\(run.id.padding(toLength: 22, withPad: " ", startingAt: 0))  \(run.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(duration.padding(toLength: 8, withPad: " ", startingAt: 0))  \((run.commitSHA.map { String($0.prefix(12)) } ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0))  \(run.pipelineName)"
                )
            }
        }
    }
}
