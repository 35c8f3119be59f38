import ArgumentParser
import Foundation
import GantryCore
import Store

extension RunsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List recent runs, newest first.")

        @Option(help: "How many runs to show.")
        var limit: Int = 20

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var remote: ServerOption

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
        }

        func run() async throws {
            if let client = try remote.client() {
                var runs: [RunRecord] = []
                var cursor: String?
                // The API pages at most 500 runs at a time.
                repeat {
                    var query = [("limit", String(min(500, limit - runs.count)))]
                    if let cursor { query.append(("cursor", cursor)) }
                    let page = try RemoteObject(try await client.get("/api/v1/runs", query: query).object(), "run page")
                    runs += try page.objects("runs").map(RemoteRecords.run)
                    cursor = page.optionalString("next_cursor")
                } while cursor != nil && runs.count < limit
                return render(runs, place: client.base.absoluteString)
            }
            render(
                try await StateLocation.existingRepositories().runs(limit: limit), place: StateLocation.directory.path)
        }

        /// Prints the runs (or JSON); `place` is where they are kept.
        private func render(_ runs: [RunRecord], place: String) {
            if json {
                Terminal.printOut(Terminal.json(runs.map(RunsCommand.jsonObject)))
                return
            }
            guard !runs.isEmpty else {
                print("No runs recorded yet in \(place). Start one with 'gantry run'.")
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
