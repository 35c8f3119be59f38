import ArgumentParser
import Foundation
import GantryCore
import Store

extension AuditCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show audit entries, oldest first.")

        @Option(help: "Only entries about this application (subjects APP@…).")
        var app: String?

        @Option(help: "At most this many of the newest entries.")
        var limit: Int = 100

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var remote: ServerOption

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
        }

        func run() async throws {
            let entries: [AuditEntry]
            if let client = try remote.client() {
                var query = [("limit", String(min(limit, 500)))]
                if let app { query.append(("subject", "\(app)@")) }
                entries = try RemoteObject(try await client.get("/api/v1/audit", query: query).object(), "audit log")
                    .objects("entries").map(RemoteRecords.auditEntry)
            } else {
                entries = try await StateLocation.existingRepositories().auditEntries(
                    subjectPrefix: app.map { "\($0)@" }, limit: limit)
            }
            if json {
                Terminal.printOut(
                    Terminal.json(
                        entries.map {
                            [
                                "sequence": $0.sequence, "timestamp": Timestamp.iso8601($0.timestamp),
                                "actor": $0.actor,
                                "action": $0.action, "subject": $0.subject, "details": $0.details, "hash": $0.hash,
                                "previous_hash": $0.previousHash,
                            ] as [String: Any]
                        }))
                return
            }
            for entry in entries {
                let details = entry.details.keys.sorted().map { "\($0)=\(entry.details[$0] ?? "")" }.joined(
                    separator: " ")
                print(
                    "\(entry.sequence)  \(Timestamp.iso8601(entry.timestamp))  \(entry.actor)  \(entry.action)  \(entry.subject)  \(details)"
                )
            }
        }
    }
}
