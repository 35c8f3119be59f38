import ArgumentParser
import Foundation
import GantryCore
import Pipeline
import Release
import Store

/// `gantry status [APP]`: what runs where.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show app × environment: digest, tag, commit, age, deployer, last-known-good, pending approvals.")

    @Argument(help: "Only this application (shows every environment, deployed or not).")
    var app: String?

    @Option(name: [.short, .long], help: "The pipeline file (for the environment order); optional.")
    var file: String = "gantry.yml"

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var remote: ServerOption

    func run() async throws {
        if let client = try remote.client() {
            let answer = try await client.get("/api/v1/environments", query: app.map { [("app", $0)] } ?? [])
            let rows = try RemoteObject(try answer.object(), "board").objects("environments").map(
                RemoteRecords.statusRow)
            return render(rows)
        }
        let pipeline = FileManager.default.fileExists(atPath: file) ? try PipelineParser.load(path: file) : nil
        // The store's current tags, so one digest shows one tag in every environment; none without a store.
        var tags: [String: [String]] = [:]
        if let artifacts = try? ArtifactCommand.store(create: false) {
            for artifact in try artifacts.artifacts() { tags["\(artifact.app)@\(artifact.digest)"] = artifact.tags }
        }
        render(
            try await ReleaseStatus.rows(
                state: try StateLocation.existingRepositories(),
                environments: pipeline?.environments.map(\.name) ?? [], app: app, tags: tags))
    }

    /// Prints the table (or JSON), the same for the local state and a server's.
    private func render(_ rows: [StatusRow]) {
        if json {
            Terminal.printOut(
                Terminal.json(
                    rows.map { row -> [String: Any] in
                        var object: [String: Any] = ["app": row.app, "environment": row.environment]
                        object["current"] = row.pointer.map(ReleaseJSON.pointer) ?? NSNull()
                        object["tag"] = row.tag ?? NSNull()
                        if let open = row.open {
                            var pending = ReleaseJSON.promotion(open)
                            pending["approvals_given"] = row.approvalsGiven
                            object["pending"] = pending
                        } else {
                            object["pending"] = NSNull()
                        }
                        return object
                    }))
            return
        }
        guard !rows.isEmpty else {
            print(
                app.map { "\($0) has no deployments" }
                    ?? "nothing deployed yet (gantry promote APP --to ENV --digest …)")
            return
        }
        var table = TextTable(["APP", "ENV", "DIGEST", "TAG", "COMMIT", "AGE", "BY", "LAST-KNOWN-GOOD", "PENDING"])
        for row in rows {
            let pointer = row.pointer
            let pending = row.open.map {
                $0.status == .awaitingApproval
                    ? "\($0.id) \($0.digest.short) (\(row.approvalsGiven)/\($0.approvalsRequired) approvals)"
                    : "\($0.id) \($0.digest.short) (\($0.status.rawValue))"
            }
            table.add([
                row.app, row.environment, pointer.map { $0.digest.short } ?? "-", row.tag ?? "-",
                pointer?.commit.map { String($0.prefix(12)) } ?? "-", pointer.map { Age.since($0.deployedAt) } ?? "-",
                pointer?.deployedBy ?? "-", pointer?.lastKnownGood?.short ?? "-", pending ?? "-",
            ])
        }
        print(table.rendered)
    }

}
