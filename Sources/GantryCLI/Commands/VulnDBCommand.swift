import ArgumentParser
import Foundation
import GantryCore
import Policy
import Store

/// `gantry vulndb import|status`: the offline OSV database in the state store.
struct VulnDBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vulndb", abstract: "Import OSV vulnerability data for offline scans, and show what is loaded.",
        subcommands: [Import.self, Status.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Import OSV records: an ecosystem export (all.zip from osv.dev), a directory of JSON, or one file.",
            discussion:
                "Malformed records are skipped with a warning naming the file. A record already loaded is replaced only by a newer 'modified'."
        )

        @Argument(help: "FILE.zip, a directory, or FILE.json.")
        var path: String

        func run() async throws {
            let meter = ProgressMeter.forTerminal(json: false)
            let imported = try OSVImport(path: path, progress: meter?.handler)
            meter?.finish()
            for warning in imported.warnings { Terminal.printError("warning: \(warning)") }
            let state = try StateLocation.openState()
            let changed = try state.importOSV(
                imported.items.map {
                    StoredOSVRecord(
                        id: $0.record.id, ecosystem: $0.ecosystem, modified: $0.record.modified, json: $0.json,
                        packages: $0.packages)
                }, progress: meter?.handler)
            meter?.finish()
            try state.appendAudit(
                actor: AuditActor.current(), action: "vulndb.import", subject: "vulndb",
                details: [
                    "source": path, "records": "\(imported.items.count)", "changed": "\(changed)",
                    "skipped": "\(imported.warnings.count)",
                ])
            print(
                "imported \(imported.items.count) record(s) (\(changed) new or updated), skipped \(imported.warnings.count)"
            )
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Records per ecosystem and how fresh they are.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let rows = try StateLocation.openExistingState().osvStatus()
            let newest = rows.map(\.newest).max()
            let stale = newest.flatMap(Timestamp.parse).map { Date().timeIntervalSince($0) > 7 * 86400 } ?? true
            if json {
                Terminal.printOut(
                    Terminal.json(
                        [
                            "ecosystems": rows.map {
                                ["ecosystem": $0.ecosystem, "records": $0.records, "newest_modified": $0.newest]
                                    as [String: Any]
                            },
                            "stale": stale,
                        ] as [String: Any]))
                return
            }
            guard !rows.isEmpty else {
                print("no vulnerability data: import some with 'gantry vulndb import FILE.zip'")
                return
            }
            var table = TextTable(["ECOSYSTEM", "RECORDS", "NEWEST MODIFIED"])
            for row in rows { table.add([row.ecosystem, "\(row.records)", row.newest]) }
            print(table.rendered)
            if stale {
                Terminal.printError(
                    "warning: the newest record is older than 7 days (\(newest ?? "?")); import fresh data")
            }
        }
    }
}
