import ArgumentParser
import Artifacts
import Composition
import Foundation
import GantryCore
import Policy
import Store

/// `gantry vulndb import|status`: the offline OSV database in the state store (or in the shared
/// state `GANTRY_VULNDB` names).
struct VulnDBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vulndb", abstract: "Import OSV vulnerability data for offline scans, and show what is loaded.",
        subcommands: [Import.self, Status.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract:
                "Import OSV records: an ecosystem export (all.zip from osv.dev or a mirror, by path or URL), a directory of JSON, or one file.",
            discussion: """
                Malformed records are skipped with a warning naming the file. A record already loaded is
                replaced only by a newer 'modified'. With GANTRY_VULNDB=DIR the records go to that state
                directory, which every clone and CI job that sets the same variable then reads: import
                once, scan everywhere.
                """
        )

        @Argument(help: "FILE.zip, a directory, FILE.json, or an http(s) URL of a zip (e.g. a local mirror).")
        var path: String

        @Option(help: "The largest download accepted from a URL, in MiB.")
        var maxDownloadMib: Int64 = 4096

        /// Bytes downloaded, as progress updates.
        static func downloadProgress(_ handler: ProgressHandler?) -> (@Sendable (Int64) -> Void)? {
            guard let handler else { return nil }
            return { bytes in handler(ProgressUpdate(label: "download", done: bytes)) }
        }

        func run() async throws {
            let meter = ProgressMeter.forTerminal(json: false)
            var source = path
            let download = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gantry-vulndb-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: download) }
            if let url = URL(string: path), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
            {
                let (size, _) = try await HTTPDownload.fetch(
                    url, to: download, maxBytes: maxDownloadMib << 20, progress: Self.downloadProgress(meter?.handler))
                meter?.finish()
                Terminal.printError("downloaded \(ByteCount.format(size)) from \(path)")
                source = download.path
            }
            let imported = try OSVImport(path: source, progress: meter?.handler)
            meter?.finish()
            for warning in imported.warnings { Terminal.printError("warning: \(warning)") }
            let state = try StateLocation.services.vulnerabilities()
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
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Records per ecosystem and how fresh they are.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let rows = try await StateLocation.services.vulnerabilityDatabase(createState: false).osvStatus()
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
