import Foundation
import GantryCore
import Pipeline
import Release
import Store
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Canary strategies of the `process` driver, measured by the proxy: a healthy canary completes, one
/// with 5% errors or a p99 three times the stable's is aborted at its first analysis, and
/// `gantry rollout abort` puts all traffic back on the stable release within a second.
@Suite(.serialized) struct CanaryRolloutTests {
    static func pipeline(_ steps: String) -> String {
        ProcessDriverTests.pipeline(
            strategy: """
                    strategy:
                      canary:
                        steps:
                \(steps)
                """)
    }

    static let analysed = pipeline(
        """
                      - setWeight: 50
                      - analysis: { window: 2s, min_requests: 20 }
                      - setWeight: 100
        """)

    /// Promotes `stable`, then `canary` under load; returns the canary's outcome and what clients got.
    func rollOut(_ fixture: ProcessDriverTests.Fixture, stable: Digest, canary: Digest) async throws -> (
        PromotionRecord, [String: Int]
    ) {
        try fixture.startHost()
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(stable.description))
        let (tally, clients) = ProcessDriverTests.Tally.start(fixture)
        var record: PromotionRecord
        do {
            record = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(canary.description))
                .promotion
        } catch {
            record = try #require(try fixture.state.promotions().first)
        }
        return (record, await tally.stop(clients))
    }

    @Test func aHealthyCanaryCompletesItsSteps() async throws {
        let fixture = try await ProcessDriverTests.Fixture(pipeline: Self.analysed)
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0")
        let (record, seen) = try await rollOut(fixture, stable: one, canary: two)
        #expect(record.status == .succeeded, "\(record.detail)")
        #expect(Set(seen.keys) == ["version 1.0.0\n", "version 2.0.0\n"], "\(seen)")
        let analyses = try fixture.state.analyses(promotionID: record.id)
        #expect(analyses.count == 1)
        #expect(analyses.first?.passed == true)
        #expect((analyses.first?.canary.requests ?? 0) >= 20)
        #expect((analyses.first?.stable.requests ?? 0) > 0)
        #expect(try await fixture.get().body == "version 2.0.0\n")
        await fixture.shutdown()
    }

    @Test func aCanaryWithFivePercentErrorsIsAbortedAtItsFirstAnalysis() async throws {
        let fixture = try await ProcessDriverTests.Fixture(pipeline: Self.analysed)
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0", files: ["ERRORS": "20"])
        let (record, seen) = try await rollOut(fixture, stable: one, canary: two)
        #expect(record.status == .aborted)
        #expect(record.detail.contains("canary aborted"), "\(record.detail)")
        // The pointer never left 1.0.0, and the audit log and the outbox say why.
        #expect(try fixture.state.pointer(app: "web", environment: "prod")?.digest == one)
        let audit = try fixture.state.auditEntries().last { $0.action == "promote.aborted" }
        #expect(audit?.details["detail"]?.contains("the error ratio exceeds") == true, "\(String(describing: audit))")
        let analysis = try #require(try fixture.state.analyses(promotionID: record.id).first)
        #expect(!analysis.passed)
        #expect(analysis.detail.contains("the error ratio exceeds the stable release's"), "\(analysis.detail)")
        #expect((analysis.canary.errorRatio ?? 0) > 0.03)
        // Only the canary's own 500s reached clients; afterwards everything is back on 1.0.0.
        #expect(Set(seen.keys).isSubset(of: ["version 1.0.0\n", "version 2.0.0\n", "HTTP 500"]), "\(seen)")
        #expect(try await fixture.get().body == "version 1.0.0\n")
        await fixture.shutdown()
    }

    @Test func aCanaryWithSeveralTimesTheLatencyIsAborted() async throws {
        let fixture = try await ProcessDriverTests.Fixture(pipeline: Self.analysed)
        // Well past three times: tail latencies of a small Python server under four clients are noisy.
        let one = try fixture.pack("1.0.0", files: ["SLOW": "0.01"])
        let two = try fixture.pack("2.0.0", files: ["SLOW": "0.06"])
        let (record, _) = try await rollOut(fixture, stable: one, canary: two)
        #expect(record.status == .aborted)
        let analysis = try #require(try fixture.state.analyses(promotionID: record.id).first)
        #expect(analysis.detail.contains("p99 is more than 2.0× the stable release's"), "\(analysis.detail)")
        await fixture.shutdown()
    }

    /// `kill -9` of the canary mid-analysis: the proxy sends its requests to the stable release, the
    /// rollout aborts (a canary that stops being ready fails it), and clients see (almost) nothing.
    @Test func aCanaryKilledMidRolloutAbortsItWithoutFailingClients() async throws {
        let fixture = try await ProcessDriverTests.Fixture(
            pipeline: Self.pipeline(
                """
                              - setWeight: 50
                              - analysis: { window: 4s, min_requests: 20 }
                """))
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        let (tally, clients) = ProcessDriverTests.Tally.start(fixture)
        let rollout = Task {
            try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(two.description))
        }
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(50))
            let canary = try fixture.state.releaseInstances(app: "web", environment: "prod").first { $0.digest == two }
            if canary?.weight == 50 && canary?.applied == true { break }
        }
        try await Task.sleep(for: .milliseconds(500))
        // Every process running in the canary's release folder.
        let folder = fixture.directory.url.appendingPathComponent(".gantry/releases/web/prod/\(two.hex)")
            .resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let pids = entries.compactMap(Int32.init).filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/cwd")) == folder
        }
        #expect(!pids.isEmpty)
        for pid in pids { kill(pid, SIGKILL) }
        await #expect(throws: ReleaseError.self) { _ = try await rollout.value }
        let seen = await tally.stop(clients)
        let record = try #require(try fixture.state.promotions().first)
        #expect(record.status == .aborted)
        #expect(record.detail.contains("stopped being ready"), "\(record.detail)")
        #expect(try fixture.state.analyses(promotionID: record.id).first?.passed == false)
        let total = seen.values.reduce(0, +)
        let failed = total - seen.filter { $0.key.hasPrefix("version") }.values.reduce(0, +)
        #expect(total > 50)
        #expect(failed * 1000 <= total, "\(seen)")
        #expect(try await fixture.get().body == "version 1.0.0\n")
        await fixture.shutdown()
    }

    /// After an abort, the next rollout is cautious (smaller weights, longer pauses) until one completes.
    @Test func theRolloutAfterAnAbortIsCautiousUntilOneCompletes() async throws {
        let fixture = try await ProcessDriverTests.Fixture(
            pipeline: Self.pipeline(
                """
                              - setWeight: 30
                              - pause: { duration: 2s }
                """))
        try fixture.startHost()
        let digests = try (1...4).map { try fixture.pack("\($0).0.0") }
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(digests[0].description))
        // 2.0.0 is aborted during its pause.
        let aborted = Task {
            try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(digests[1].description))
        }
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(50))
            let canary = try fixture.state.releaseInstances(app: "web", environment: "prod").first {
                $0.digest == digests[1]
            }
            if canary?.weight == 30 && canary?.applied == true { break }
        }
        try fixture.state.sendRolloutSignal(app: "web", environment: "prod", .abort, actor: "ops")
        await #expect(throws: ReleaseError.self) { _ = try await aborted.value }
        // 3.0.0: cautious — 15% and a 4 s pause.
        let cautious = ProcessDriverTests.Lines()
        let started = ContinuousClock.now
        let third = try await fixture.promoter(lines: cautious).promote(
            app: "web", to: "prod", source: .digest(digests[2].description))
        #expect(third.promotion.status == .succeeded)
        #expect(
            cautious.all.contains { $0.contains("cautious rollout (the last promotion to prod") }, "\(cautious.all)")
        #expect(cautious.all.contains { $0.contains("takes 15% of new requests") })
        #expect(cautious.all.contains { $0.contains("paused for 4.0s") }, "\(cautious.all)")
        #expect(ContinuousClock.now - started >= .seconds(4))
        // 4.0.0: 3.0.0 completed, so back to the configured steps.
        let normal = ProcessDriverTests.Lines()
        _ = try await fixture.promoter(lines: normal).promote(
            app: "web", to: "prod", source: .digest(digests[3].description))
        #expect(!normal.all.contains { $0.contains("cautious") })
        #expect(normal.all.contains { $0.contains("takes 30% of new requests") })
        await fixture.shutdown()
    }

    /// Blue/green with a preview: the new release runs without traffic, reachable only with the
    /// override header, until `gantry rollout promote` switches everything to it.
    @Test func aPreviewTakesOnlyOverriddenRequestsUntilPromoted() async throws {
        let fixture = try await ProcessDriverTests.Fixture(
            pipeline: Self.pipeline(
                """
                              - setWeight: 0
                              - pause: {}
                """))
        try fixture.startHost()
        let blue = try fixture.pack("1.0.0")
        let green = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(blue.description))
        let rollout = Task {
            try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(green.description))
        }
        var preview: String?
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(50))
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.port)/")!)
            request.setValue("always", forHTTPHeaderField: "X-Gantry-Canary")
            let (data, _) = try await URLSession.shared.data(for: request)
            preview = String(decoding: data, as: UTF8.self)
            if preview == "version 2.0.0\n" { break }
        }
        #expect(preview == "version 2.0.0\n")
        for _ in 0..<10 { #expect(try await fixture.get().body == "version 1.0.0\n") }
        try fixture.state.sendRolloutSignal(app: "web", environment: "prod", .promote, actor: "ops")
        #expect(try await rollout.value.promotion.status == .succeeded)
        #expect(try await fixture.get().body == "version 2.0.0\n")
        await fixture.shutdown()
    }

    /// `gantry rollout pause` stops a timed pause's clock: the weights stay until `resume`, then the
    /// rest of the pause runs and the rollout completes.
    @Test func aManualPauseHoldsTheRolloutUntilResumed() async throws {
        let fixture = try await ProcessDriverTests.Fixture(
            pipeline: Self.pipeline(
                """
                              - setWeight: 30
                              - pause: { duration: 1s }
                              - setWeight: 60
                """))
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        let lines = ProcessDriverTests.Lines()
        let rollout = Task {
            try await fixture.promoter(lines: lines).promote(app: "web", to: "prod", source: .digest(two.description))
        }
        var progress: RolloutProgress?
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(50))
            progress = try fixture.state.rolloutProgress(app: "web", environment: "prod")
            if progress?.phase == "paused for 1.0s" { break }
        }
        #expect(progress?.step == 1 && progress?.steps == 3, "\(String(describing: progress))")
        try fixture.state.sendRolloutSignal(app: "web", environment: "prod", .pause, actor: "ops")
        // Well past the 1 s pause: still held at 30%.
        try await Task.sleep(for: .seconds(3))
        #expect(try fixture.state.rolloutProgress(app: "web", environment: "prod")?.pausedBy == "ops")
        let canary = try fixture.state.releaseInstances(app: "web", environment: "prod").first { $0.digest == two }
        #expect(canary?.role == .canary && canary?.weight == 30, "\(String(describing: canary))")
        try fixture.state.sendRolloutSignal(app: "web", environment: "prod", .resume, actor: "ops")
        #expect(try await rollout.value.promotion.status == .succeeded)
        #expect(lines.all.contains { $0.contains("paused by ops") }, "\(lines.all)")
        #expect(lines.all.contains { $0.contains("resumed by ops after") }, "\(lines.all)")
        #expect(try fixture.state.rolloutProgress(app: "web", environment: "prod")?.pausedBy == nil)
        #expect(try await fixture.get().body == "version 2.0.0\n")
        await fixture.shutdown()
    }

    /// A canary nobody rolls out any more (the promoting process died) does not keep its traffic.
    @Test func aCanaryWithoutALivePromotionIsAbortedByTheHost() async throws {
        let fixture = try await ProcessDriverTests.Fixture(pipeline: Self.analysed)
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        // What a promotion killed mid-rollout leaves behind: a canary at 40%, and no open promotion.
        try fixture.state.wantCanary(app: "web", environment: "prod", digest: two, weight: 0)
        try fixture.state.setCanaryWeight(app: "web", environment: "prod", digest: two, weight: 40)
        var instances: [ReleaseInstance] = []
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(100))
            instances = try fixture.state.releaseInstances(app: "web", environment: "prod")
            if instances.first(where: { $0.digest == two })?.role != .canary { break }
        }
        // Retired (or, after its 2 s drain, already stopped and forgotten).
        #expect(instances.first { $0.digest == two }?.role ?? .retired == .retired)
        #expect(instances.first { $0.digest == one }?.weight == 100)
        await fixture.shutdown()
    }

    @Test func anAbortPutsAllTrafficBackOnTheStableReleaseWithinASecond() async throws {
        let fixture = try await ProcessDriverTests.Fixture(
            pipeline: Self.pipeline(
                """
                              - setWeight: 30
                              - pause: {}
                """))
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        let rollout = Task {
            try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(two.description))
        }
        // The canary reaches 30% and the rollout pauses until told.
        var canary: ReleaseInstance?
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            canary = try fixture.state.releaseInstances(app: "web", environment: "prod").first { $0.digest == two }
            if canary?.weight == 30 && canary?.applied == true { break }
        }
        #expect(canary?.weight == 30 && canary?.applied == true)
        #expect(fixture.host.routes.routes.backends.map(\.weight).sorted() == [30, 70])
        let asked = ContinuousClock.now
        try fixture.state.sendRolloutSignal(app: "web", environment: "prod", .abort, actor: "ops")
        while fixture.host.routes.routes.backends.contains(where: { $0.name == two.short && $0.weight > 0 }) {
            try await Task.sleep(for: .milliseconds(20))
            if ContinuousClock.now - asked > .seconds(5) { break }
        }
        #expect(ContinuousClock.now - asked < .seconds(1))
        #expect(fixture.host.routes.routes.backends.map(\.weight) == [100])
        await #expect(throws: ReleaseError.self) { _ = try await rollout.value }
        #expect(try fixture.state.promotions().first?.detail.contains("aborted by ops") == true)
        await fixture.shutdown()
    }
}
