import ArgumentParser
import Foundation
import GantryCore
import Store

/// `gantry history APP [--env ENV]`: promotions and rollbacks, newest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List promotions and rollbacks of an application, newest first.")

    @Argument(help: "The application.")
    var app: String

    @Option(help: "Only this environment.")
    var env: String?

    @Option(help: "At most this many.")
    var limit: Int = 50

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var remote: ServerOption

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
    }

    func run() async throws {
        let records: [PromotionRecord]
        if let client = try remote.client() {
            var query = [("app", app), ("limit", String(min(limit, 500)))]
            if let env { query.append(("environment", env)) }
            records = try RemoteObject(try await client.get("/api/v1/promotions", query: query).object(), "history")
                .objects("promotions").map(RemoteRecords.promotion)
        } else {
            records = try await StateLocation.existingRepositories().promotions(
                app: app, environment: env, limit: limit)
        }
        if json {
            Terminal.printOut(Terminal.json(records.map(ReleaseJSON.promotion)))
            return
        }
        guard !records.isEmpty else {
            print("no promotions of \(app)\(env.map { " to \($0)" } ?? "")")
            return
        }
        var table = TextTable(["ID", "KIND", "ENV", "DIGEST", "STATUS", "WHEN", "BY", "DETAIL"])
        for record in records {
            table.add([
                record.id, record.kind.rawValue, record.environment, record.digest.short,
                record.status.rawValue, Timestamp.iso8601(record.requestedAt), record.requestedBy,
                [
                    record.detail, record.reason.map { "reason: \($0)" },
                    record.irreversible.map { "irreversible: \($0)" },
                ]
                .compactMap { $0 }.joined(separator: "; "),
            ])
        }
        print(table.rendered)
    }
}
