import ArgumentParser
import Artifacts
import Composition
import Foundation
import GantryCore
import Pipeline
import Release
import Store

/// `gantry gc [--dry-run]`: retention for the artifact store.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove artifacts no environment needs and sweep unreferenced blobs.",
        discussion: """
            Keeps, per app and environment, the last 'retention.keep' digests deployed there (default 10), \
            whatever an environment runs, every last-known-good and anything in an open promotion. Removes \
            artifacts that were deployed but fell out of every environment's retention, and never-promoted \
            artifacts built on another branch than the default ones (or a pull request) once older than \
            --ttl. Then deletes blobs nothing references (older than 10 minutes, so a concurrent pack is safe).
            """)

    @Flag(help: "Print what would be removed and the bytes it would free; change nothing.")
    var dryRun = false

    @Option(help: "Age after which never-promoted branch and pull-request artifacts expire (e.g. 7d, 36h).")
    var ttl: String = "7d"

    @Option(help: "A branch whose artifacts never expire by age. Repeatable. Default: main and master.")
    var defaultBranch: [String] = []

    @Option(name: [.short, .long], help: "The pipeline file (for each environment's retention.keep); optional.")
    var file: String = "gantry.yml"

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let age: Duration
        do {
            age = try DurationParser.parse(ttl)
        } catch {
            throw ValidationError("--ttl: \(error.description)")
        }
        let pipeline = FileManager.default.fileExists(atPath: file) ? try PipelineParser.load(path: file) : nil
        let collector = GarbageCollector(
            state: try dryRun ? StateLocation.openExistingState() : StateLocation.openState(),
            artifacts: try StateLocation.services.artifacts(create: !dryRun),
            pipeline: pipeline, ttl: age.seconds,
            defaultBranches: defaultBranch.isEmpty ? ["main", "master"] : Set(defaultBranch))
        let report = try collector.collect(dryRun: dryRun, actor: AuditActor.current())
        if json {
            Terminal.printOut(
                Terminal.json(
                    [
                        "dry_run": dryRun, "kept": report.kept, "bytes_freed": report.bytesFreed,
                        "removed": report.removed.map {
                            ["app": $0.app, "digest": $0.digest.description, "tags": $0.tags, "reason": $0.reason]
                                as [String: Any]
                        },
                        "blobs": report.blobs.map {
                            ["digest": $0.digest.description, "size": $0.size] as [String: Any]
                        },
                    ] as [String: Any]))
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for removal in report.removed {
            print(
                "\(verb) \(removal.app)@\(removal.digest)\(removal.tags.isEmpty ? "" : " (\(removal.tags.joined(separator: ", ")))"): \(removal.reason)"
            )
        }
        print(
            "\(verb) \(report.removed.count) artifact\(report.removed.count == 1 ? "" : "s") and \(report.blobs.count) blob\(report.blobs.count == 1 ? "" : "s"), \(dryRun ? "freeing" : "freed") \(ByteCount.format(report.bytesFreed)); kept \(report.kept)"
        )
    }
}

/// Sizes for people: `512 B`, `3.2 KiB`, `1.0 GiB`.
enum ByteCount {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\(String(format: "%.1f", value)) \(units[unit])"
    }
}
