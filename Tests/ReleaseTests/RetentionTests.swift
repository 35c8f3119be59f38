import Artifacts
import Attestation
import Foundation
import GantryCore
import Release
import Store
import Testing

@Suite struct RetentionTests {
    static let pipeline = """
        jobs:
          build:
            steps: [{ run: "true" }]
        environments:
          dev:
            retention: { keep: 2 }
          staging:
            requires: dev
            approvals: { count: 1, roles: [releaser] }
        """

    func exists(_ fixture: ReleaseFixture, _ digest: String) -> Bool {
        guard let parsed = Digest(parsing: digest) else { return false }
        return (try? fixture.artifacts.resolve(.digest(app: "web", parsed))) != nil
    }

    func layerPath(_ fixture: ReleaseFixture, _ digest: String) throws -> String {
        let artifact = try fixture.artifacts.resolve(.digest(app: "web", try #require(Digest(parsing: digest))))
        let layer = try #require(try fixture.artifacts.manifest(of: artifact).layers.first)
        return fixture.artifacts.layout.blobURL(layer.digest).path
    }

    @Test func keepsWhatEnvironmentsNeedAndExpiresTheRest() async throws {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        defer { fixture.remove() }
        try fixture.state.upsertUser(name: "alice", role: "releaser")
        let tenDaysAgo = Date().addingTimeInterval(-10 * 86400)
        let v1 = try fixture.pack("1", branch: "main")
        let v2 = try fixture.pack("2", branch: "main")
        let v3 = try fixture.pack("3", branch: "main")
        let v4 = try fixture.pack("4", branch: "main")
        let oldFeature = try fixture.pack("feature-old", branch: "feature-x", finished: tenDaysAgo)
        let newFeature = try fixture.pack("feature-new", branch: "feature-y")
        let oldMain = try fixture.pack("main-old", branch: "main", finished: tenDaysAgo)
        let unsigned = try fixture.pack("unsigned", sign: false)
        for digest in [v1, v2, v3, v4] {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
        }
        let toStaging = try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(v1))
        _ = try await fixture.promoter(actor: "alice").approve(
            promotionID: toStaging.promotion.id, as: "alice", totpCode: nil)
        // v2 is beyond dev's keep (v4, v3) but waits for approval to staging: it is protected while open.
        let waiting = try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(v2))
        let collector = GarbageCollector(
            state: fixture.repositories, artifacts: fixture.artifacts, pipeline: fixture.pipeline, grace: 0)

        let held = try await collector.collect(dryRun: true, actor: "ops")
        #expect(held.removed.map(\.digest.description) == [oldFeature])

        _ = try await fixture.promoter().cancel(promotionID: waiting.promotion.id, reason: "not now")
        let oldFeatureLayer = try layerPath(fixture, oldFeature)
        let v2Layer = try layerPath(fixture, v2)
        let preview = try await collector.collect(dryRun: true, actor: "ops")
        #expect(Set(preview.removed.map(\.digest.description)) == [v2, oldFeature])
        #expect(preview.removed.first { $0.digest.description == v2 }?.reason.contains("beyond") == true)
        #expect(
            preview.removed.first { $0.digest.description == oldFeature }?.reason.contains("refs/heads/feature-x")
                == true)
        #expect(preview.bytesFreed > 0)
        // A dry run changes nothing.
        #expect(exists(fixture, v2) && exists(fixture, oldFeature))
        #expect(FileManager.default.fileExists(atPath: v2Layer))
        #expect(!(try fixture.state.auditEntries().map(\.action).contains("gc")))

        let report = try await collector.collect(dryRun: false, actor: "ops")
        #expect(Set(report.removed.map(\.digest.description)) == [v2, oldFeature])
        #expect(report.bytesFreed == preview.bytesFreed)
        #expect(report.kept == 6)
        #expect(!exists(fixture, v2) && !exists(fixture, oldFeature))
        #expect(!FileManager.default.fileExists(atPath: v2Layer))
        #expect(!FileManager.default.fileExists(atPath: oldFeatureLayer))
        for digest in [v1, v3, v4, newFeature, oldMain, unsigned] { #expect(exists(fixture, digest)) }
        // What stays is intact: every kept, signed artifact still verifies completely.
        for digest in [v1, v3, v4, newFeature, oldMain] {
            let artifact = try fixture.artifacts.resolve(.digest(app: "web", try #require(Digest(parsing: digest))))
            let checks = Verifier(store: fixture.artifacts, keys: [fixture.key.publicKey]).verify(artifact)
            #expect(checks.count == 4 && checks.allSatisfy(\.passed), "\(checks)")
        }
        #expect(try fixture.state.auditEntries().last?.action == "gc")
        // Running again finds nothing more.
        let again = try await collector.collect(dryRun: false, actor: "ops")
        #expect(again.removed.isEmpty && again.blobs.isEmpty)
    }

    @Test func freshUnreachableBlobsSurviveTheGracePeriod() async throws {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        defer { fixture.remove() }
        // A blob a concurrent pack has written but not yet indexed.
        let orphan = try fixture.artifacts.layout.putBlob(Data("in flight".utf8))
        let collector = GarbageCollector(state: fixture.repositories, artifacts: fixture.artifacts, pipeline: nil)
        #expect(try await collector.collect(dryRun: false, actor: "ops").blobs.isEmpty)
        #expect(fixture.artifacts.layout.hasBlob(orphan.digest))
        let swept = try fixture.artifacts.sweep(grace: 600, now: Date().addingTimeInterval(3600))
        #expect(swept.map(\.digest) == [orphan.digest])
        #expect(!fixture.artifacts.layout.hasBlob(orphan.digest))
    }

    /// Before: gc with a missing or emptied index.json deleted every blob, including what dev runs.
    @Test(arguments: ["missing", "empty"])
    func aDamagedIndexIsNeverSweptOnAGuess(damage: String) async throws {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        defer { fixture.remove() }
        let v1 = try fixture.pack("1", branch: "main")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(v1))
        let layer = try layerPath(fixture, v1)
        let index = fixture.artifacts.layout.root.appendingPathComponent("index.json")
        if damage == "missing" {
            try FileManager.default.removeItem(at: index)
        } else {
            try Data(#"{"schemaVersion":2,"manifests":[]}"#.utf8).write(to: index)
        }
        // Reopening the store (as the next command does) must not paper over a missing index.
        let reopened = try ArtifactStore(stateDirectory: fixture.stateDirectory)
        let collector = GarbageCollector(
            state: fixture.repositories, artifacts: reopened, pipeline: fixture.pipeline, grace: 0)
        await #expect(throws: (any Error).self) { try await collector.collect(dryRun: false, actor: "ops") }
        #expect(FileManager.default.fileExists(atPath: layer), "gc deleted the layer dev runs")
        #expect(FileManager.default.fileExists(atPath: index.path) == (damage == "empty"))
    }

    /// Before: temporary files of killed packs stayed forever (2.2 GB after eight kills).
    @Test func temporaryFilesOfKilledPacksAreSwept() async throws {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        defer { fixture.remove() }
        let tmp = fixture.artifacts.layout.root.appendingPathComponent(".tmp")
        let old = tmp.appendingPathComponent("killed-pack")
        let fresh = tmp.appendingPathComponent("running-pack")
        try Data(count: 4096).write(to: old)
        try Data(count: 10).write(to: fresh)
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: old.path)
        let report = try await GarbageCollector(
            state: fixture.repositories, artifacts: fixture.artifacts, pipeline: fixture.pipeline, grace: 0
        ).collect(dryRun: false, actor: "ops")
        #expect(report.temporaryBytesFreed == 4096)
        #expect(!FileManager.default.fileExists(atPath: old.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path))
        // Packing sweeps them too.
        try Data(count: 100).write(to: old)
        try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: old.path)
        _ = try fixture.pack("2", branch: "main")
        #expect(!FileManager.default.fileExists(atPath: old.path))
    }
}
