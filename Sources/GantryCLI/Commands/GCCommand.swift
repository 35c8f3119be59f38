import ArgumentParser
import Artifacts
import Composition
import Engine
import Foundation
import GantryCore
import Pipeline
import Release
import Store

/// `gantry gc [--dry-run]`: retention for the artifact store, caches, build avoidance and job artifacts.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove artifacts no environment needs, expire unused caches, and sweep unreferenced blobs.",
        discussion: """
            Keeps, per app and environment, the last 'retention.keep' digests deployed there (default 10), \
            whatever an environment runs, every last-known-good and anything in an open promotion. Removes \
            artifacts that were deployed but fell out of every environment's retention, and never-promoted \
            artifacts built on another branch than the default ones (or a pull request) once older than \
            --ttl. Then deletes blobs nothing references (older than 10 minutes, so a concurrent pack is safe).
            Caches and build-avoidance entries neither saved nor used within --cache-ttl expire, and job \
            artifacts older than --job-artifacts-ttl; then the cache blobs nothing points at are deleted.
            """)

    @Flag(help: "Print what would be removed and the bytes it would free; change nothing.")
    var dryRun = false

    @Option(help: "Age after which never-promoted branch and pull-request artifacts expire (e.g. 7d, 36h).")
    var ttl: String = "7d"

    @Option(name: .customLong("cache-ttl"), help: "Expire caches and avoidance entries unused for this long.")
    var cacheTTL: String = "7d"

    @Option(name: .customLong("job-artifacts-ttl"), help: "Expire job artifacts (artifacts: of jobs) older than this.")
    var jobArtifactsTTL: String = "30d"

    @Option(help: "A branch whose artifacts never expire by age. Repeatable. Default: main and master.")
    var defaultBranch: [String] = []

    @Option(name: [.short, .long], help: "The pipeline file (for each environment's retention.keep); optional.")
    var file: String = "gantry.yml"

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        func duration(_ text: String, _ flag: String) throws -> Duration {
            do {
                return try DurationParser.parse(text)
            } catch {
                throw ValidationError("\(flag): \(error.description)")
            }
        }
        let age = try duration(ttl, "--ttl")
        let cacheAge = try duration(cacheTTL, "--cache-ttl")
        let jobArtifactsAge = try duration(jobArtifactsTTL, "--job-artifacts-ttl")
        let pipeline = FileManager.default.fileExists(atPath: file) ? try PipelineParser.load(path: file) : nil
        let state = try dryRun ? StateLocation.existingRepositories() : StateLocation.repositories()
        // Nothing was ever packed or deployed here (a project that only runs pipelines): there is no
        // artifact store to collect, only caches. Deployed digests without a store are still an error.
        let deployed = try await state.pointers()
        let noArtifacts =
            !FileManager.default.fileExists(atPath: StateLocation.directory.appendingPathComponent("oci").path)
            && deployed.isEmpty
        let report =
            noArtifacts
            ? GarbageCollector.Report.nothing(dryRun: dryRun)
            : try await GarbageCollector(
                state: state,
                artifacts: try StateLocation.services.artifacts(create: !dryRun),
                pipeline: pipeline, ttl: age.seconds,
                defaultBranches: defaultBranch.isEmpty ? ["main", "master"] : Set(defaultBranch)
            ).collect(dryRun: dryRun, actor: AuditActor.current())
        let caches = try await CacheCollector(
            store: state, snapshots: StateLocation.services.snapshots
        )
        .collect(unusedFor: cacheAge, artifactsFor: jobArtifactsAge, dryRun: dryRun)
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
                        "cache": [
                            "cache_entries": caches.expired.cacheEntries,
                            "avoidance_entries": caches.expired.avoidanceEntries,
                            "job_artifacts": caches.expired.jobArtifacts,
                            "blobs": caches.blobs.map { ["digest": $0.digest, "size": $0.size] as [String: Any] },
                            "bytes_freed": caches.bytesFreed,
                        ] as [String: Any],
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
        let expired = caches.expired
        print(
            "caches: \(dryRun ? "would expire" : "expired") \(expired.cacheEntries) cache entr\(expired.cacheEntries == 1 ? "y" : "ies"), \(expired.avoidanceEntries) avoidance entr\(expired.avoidanceEntries == 1 ? "y" : "ies") and \(expired.jobArtifacts) job artifact\(expired.jobArtifacts == 1 ? "" : "s"); \(verb) \(caches.blobs.count) cache blob\(caches.blobs.count == 1 ? "" : "s"), \(dryRun ? "freeing" : "freed") \(ByteCount.format(caches.bytesFreed))"
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
