import Foundation
import GantryCore
import GantryTestSupport
import Store
import Testing

@testable import Engine

/// `gantry gc` for caches: unused entries expire, used ones stay, and only blobs nothing points at go.
@Suite struct CacheCollectorTests {
    private static let pipeline = """
        jobs:
          deps:
            inputs: [lock.txt]
            cache: { key: "deps-${{ hashFiles('lock.txt') }}", paths: [vendor] }
            artifacts: { name: vendor, paths: [vendor] }
            steps:
              - run: mkdir -p vendor && cp lock.txt vendor/lock
        """

    private func blobs(_ harness: PipelineHarness) throws -> Set<String> {
        let folder = harness.state.appendingPathComponent("cache/blobs/sha256")
        return Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    }

    @Test func unusedEntriesExpireAndUnreferencedBlobsAreSwept() async throws {
        let harness = try PipelineHarness(Self.pipeline, files: ["lock.txt": "v1"])
        defer { harness.remove() }
        _ = try await harness.run()
        let store = try harness.store()
        let collector = CacheCollector(
            store: SQLiteRepositories(store: store), snapshots: SnapshotStore(stateDirectory: harness.state))
        let stored = try blobs(harness)
        #expect(!stored.isEmpty)

        // Fresh: nothing expires, nothing is swept (everything is referenced, and young).
        let fresh = try await collector.collect(
            unusedFor: .seconds(7 * 86400), artifactsFor: .seconds(30 * 86400), dryRun: false)
        #expect(fresh.expired == CacheExpiry(cacheEntries: 0, avoidanceEntries: 0, jobArtifacts: 0))
        #expect(fresh.blobs.isEmpty)
        #expect(try blobs(harness) == stored)

        // Eight days on: a dry run says what would go and changes nothing.
        let later = Date().addingTimeInterval(8 * 86400)
        let preview = try await collector.collect(
            unusedFor: .seconds(7 * 86400), artifactsFor: .seconds(7 * 86400), grace: .zero, dryRun: true, now: later)
        #expect(preview.expired == CacheExpiry(cacheEntries: 1, avoidanceEntries: 1, jobArtifacts: 1))
        #expect(Set(preview.blobs.map(\.digest)) == Set(stored.map { "sha256:\($0)" }))
        #expect(try blobs(harness) == stored)

        let swept = try await collector.collect(
            unusedFor: .seconds(7 * 86400), artifactsFor: .seconds(7 * 86400), grace: .zero, dryRun: false, now: later)
        #expect(swept.expired == preview.expired)
        #expect(try blobs(harness).isEmpty)
        // The next run starts cold and works.
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
        let again = try await harness.run()
        #expect(again.job("deps")?.status == .success)
        #expect(again.job("deps")?.cache == "miss")
    }

    @Test func entriesARunUsedStayWhileOldUnusedOnesExpire() async throws {
        let harness = try PipelineHarness(Self.pipeline, files: ["lock.txt": "v1"])
        defer { harness.remove() }
        _ = try await harness.run()
        try harness.directory.write("lock.txt", "v2")
        _ = try await harness.run()
        // Everything was saved ten days ago (as far as the state knows).
        _ = try runChecked(
            "/usr/bin/env",
            [
                "sqlite3", harness.state.appendingPathComponent("state.db").path,
                "UPDATE cacheEntries SET createdAt = datetime('now', '-10 days'); "
                    + "UPDATE avoidance SET createdAt = datetime('now', '-10 days');",
            ])
        // Back to the first lockfile: that job is avoided, so its avoidance entry was used today.
        try harness.directory.write("lock.txt", "v1")
        let third = try await harness.run()
        #expect(third.job("deps")?.status == .cached)
        let collector = CacheCollector(
            store: SQLiteRepositories(store: try harness.store()),
            snapshots: SnapshotStore(stateDirectory: harness.state))
        let report = try await collector.collect(
            unusedFor: .seconds(7 * 86400), artifactsFor: .seconds(60 * 86400), grace: .zero, dryRun: true)
        // Both cache entries went unused for ten days; of the two avoidance entries, one was used today.
        #expect(report.expired == CacheExpiry(cacheEntries: 2, avoidanceEntries: 1, jobArtifacts: 0))
    }
}
