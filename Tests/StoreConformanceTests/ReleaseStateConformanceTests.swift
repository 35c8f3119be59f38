import Foundation
import GantryCore
import GantryTestSupport
import Store
import Synchronization
import Testing

/// What the release operations (promote, approve, roll back, canaries, TOTP, gc) need of the state,
/// the same for every implementation.
@Suite struct ReleaseStateConformanceTests {
    private func promotion(
        _ id: String, environment: String = "prod", digest: String = "a", status: PromotionStatus,
        lease: Date? = nil
    ) -> PromotionRecord {
        var record = PromotionRecord(
            id: id, kind: .promote, app: "web", environment: environment, digest: Digest.sha256(digest),
            status: status, requestedBy: "alice")
        record.leaseExpiresAt = lease
        return record
    }

    @Test(arguments: Implementation.allCases)
    func aStalePromotionIsClosedAbandonedAfterItsLeftoversStop(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        _ = try await state.openPromotion(promotion("p-old", status: .deploying, lease: Date().addingTimeInterval(-5)))
        // Not judged stale: a conflict naming the open one, nothing stopped.
        let stopped = Mutex<[String]>([])
        await #expect(throws: PromotionConflict.self) {
            try await state.openPromotion(
                promotion("p-new", status: .deploying), isStale: { _ in false },
                stopLeftovers: { record in stopped.withLock { $0.append(record.id) } })
        }
        #expect(stopped.withLock { $0 }.isEmpty)
        // Judged stale: its leftovers are stopped first, then it is closed and the new one opens.
        let opened = try await fixture.connect().openPromotion(
            promotion("p-new", status: .deploying), isStale: { $0.id == "p-old" },
            stopLeftovers: { record in stopped.withLock { $0.append(record.id) } })
        #expect(opened.id == "p-new")
        #expect(stopped.withLock { $0 } == ["p-old"])
        let old = try await state.promotion(id: "p-old")
        #expect(old?.status == .abandoned)
        #expect(old?.detail.contains("lease expired") == true)
        #expect(try await state.digestsInOpenPromotions() == [Digest.sha256("a")])
    }

    @Test(arguments: Implementation.allCases)
    func takingAPromotionOverGrantsANewFencingToken(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        _ = try await state.openPromotion(promotion("p-1", status: .awaitingApproval))
        #expect(try await state.promotion(id: "p-1")?.fencingToken == nil)
        let lease = Date().addingTimeInterval(60)
        #expect(
            try await state.transition(
                "p-1", from: [.awaitingApproval], to: .deploying, detail: "deploying", pid: 4242, ownerStart: 7,
                ownerMark: "mark-1", lease: lease))
        let taken = try #require(try await state.promotion(id: "p-1"))
        #expect(taken.status == .deploying)
        #expect(taken.pid == 4242)
        #expect(taken.ownerMark == "mark-1")
        let token = try #require(taken.fencingToken)
        #expect(try await state.renewLease("p-1", token: token, until: lease.addingTimeInterval(60)))
        // A second take-over from the same status fails: it is deploying now.
        #expect(
            try await state.transition(
                "p-1", from: [.awaitingApproval], to: .deploying, detail: "again", pid: 1, ownerStart: 1,
                ownerMark: "mark-2", lease: lease) == false)
    }

    @Test(arguments: Implementation.allCases)
    func aRollbackRestoresTheLastKnownGoodDeployment(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let good = try await state.openPromotion(promotion("p-good", digest: "good", status: .deploying))
        try await state.completePromotion(good.id, verified: true, detail: "ok", at: Date())
        _ = try await state.openPromotion(promotion("p-bad", digest: "bad", status: .deploying))
        try await state.completePromotion("p-bad", verified: false, detail: "deployed", at: Date())
        _ = try await state.openPromotion(promotion("p-worse", digest: "worse", status: .deploying))
        #expect(try await state.transition("p-worse", from: [.deploying], to: .rollingBack, detail: "verify failed"))
        try await state.closeRolledBack("p-worse", restored: good, detail: "rolled back to good", at: Date())
        #expect(try await state.promotion(id: "p-worse")?.status == .rolledBack)
        let pointer = try #require(try await state.pointer(app: "web", environment: "prod"))
        #expect(pointer.digest == Digest.sha256("good"))
        #expect(pointer.lastKnownGood == Digest.sha256("good"))
        #expect(try await state.deployments(app: "web", environment: "prod").map(\.id).contains("p-good"))
        #expect(!(try await state.deployments(app: "web", environment: "prod").map(\.id).contains("p-worse")))
        #expect(try await state.digestsInOpenPromotions().isEmpty)
    }

    @Test(arguments: Implementation.allCases)
    func aCanaryBecomesStableOrIsAbortedInOneStep(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let (one, two, three) = (Digest.sha256("1"), Digest.sha256("2"), Digest.sha256("3"))
        try await state.wantCanary(app: "web", environment: "prod", digest: one, weight: 0)
        try await state.makeStable(app: "web", environment: "prod", digest: one)
        try await state.wantCanary(app: "web", environment: "prod", digest: two, weight: 0)
        try await state.setCanaryWeight(app: "web", environment: "prod", digest: two, weight: 25)
        var instances = try await state.releaseInstances(app: "web", environment: "prod")
        #expect(instances.first { $0.digest == one }.map { ($0.role, $0.weight) } ?? (.retired, 0) == (.stable, 75))
        #expect(instances.first { $0.digest == two }.map { ($0.role, $0.weight) } ?? (.retired, 0) == (.canary, 25))
        // Aborted: the stable release takes all the traffic, the canary drains.
        try await state.abortCanary(app: "web", environment: "prod", digest: two)
        instances = try await state.releaseInstances(app: "web", environment: "prod")
        #expect(instances.first { $0.digest == one }?.weight == 100)
        #expect(instances.first { $0.digest == two }?.role == .retired)
        // Promoted: never two stable releases.
        try await state.wantCanary(app: "web", environment: "prod", digest: three, weight: 0)
        try await state.makeStable(app: "web", environment: "prod", digest: three)
        instances = try await state.releaseInstances(app: "web", environment: "prod")
        #expect(instances.filter { $0.role == .stable }.map(\.digest) == [three])
        #expect(instances.first { $0.digest == one }?.role == .retired)
        // Retiring takes a failed canary away, never the stable release.
        let four = Digest.sha256("4")
        try await state.wantCanary(app: "web", environment: "prod", digest: four, weight: 0)
        try await state.retireInstance(app: "web", environment: "prod", digest: four)
        try await state.retireInstance(app: "web", environment: "prod", digest: three)
        instances = try await state.releaseInstances(app: "web", environment: "prod")
        #expect(instances.first { $0.digest == four }?.role == .retired)
        #expect(instances.first { $0.digest == three }?.role == .stable)
        #expect(try await state.environmentHost(app: "web", environment: "prod") == nil)
    }

    @Test(arguments: Implementation.allCases)
    func oneLiveHostPerAppAndEnvironmentReportsWhatItSees(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        // Liveness is judged at the time a beat carries, so the test does not depend on how fast it runs:
        // a beat is stamped with the later of its own time and the time it is written, and these are an
        // hour ahead of the clock.
        let start = Date().addingTimeInterval(3600)
        func host(_ pid: Int32, after seconds: TimeInterval) -> EnvironmentHostRecord {
            EnvironmentHostRecord(
                app: "web", environment: "prod", pid: pid, host: "h\(pid)", listen: "127.0.0.1:\(pid)",
                heartbeatAt: start.addingTimeInterval(seconds))
        }
        try await state.beat(host(100, after: 0))
        // A second live host is refused, from any connection; the first may beat again.
        await #expect(throws: StoreError.self) { try await fixture.connect().beat(host(200, after: 1)) }
        try await state.beat(host(100, after: 2))
        let live = try await state.environmentHost(app: "web", environment: "prod")
        #expect(live?.pid == 100)
        // A host that is not live says why: none, or when its last heartbeat was (and from which process).
        #expect(EnvironmentHostRecord.absence(of: nil) == "no gantry proxy has claimed it")
        #expect(
            EnvironmentHostRecord.absence(of: live, at: start.addingTimeInterval(9.3))
                == "the last heartbeat of its gantry proxy (pid 100 on h100) was 7.3 s ago (a host is live for 5 s after one)"
        )
        // Once the first has been silent for longer than the timeout, another host may take over.
        try await fixture.connect().beat(host(200, after: 2 + EnvironmentHostRecord.timeout + 1))
        #expect(try await state.environmentHost(app: "web", environment: "prod")?.pid == 200)
        try await state.removeEnvironmentHost(app: "web", environment: "prod", pid: 200)
        #expect(try await state.environmentHost(app: "web", environment: "prod") == nil)
        // Removing is only for the host's own record.
        try await state.beat(host(100, after: 20))
        try await state.removeEnvironmentHost(app: "web", environment: "prod", pid: 200)
        #expect(try await state.environmentHost(app: "web", environment: "prod") != nil)
        try await state.removeEnvironmentHost(app: "web", environment: "prod", pid: 100)
        #expect(try await state.environmentHost(app: "web", environment: "prod") == nil)
        // A beat that waited long for the database (it carries the time it was asked for) lands fresh.
        try await state.beat(
            EnvironmentHostRecord(
                app: "web", environment: "prod", pid: 300, host: "h300", listen: "127.0.0.1:300",
                heartbeatAt: Date().addingTimeInterval(-60)))
        #expect(try await state.environmentHost(app: "web", environment: "prod")?.isAlive() == true)
        try await state.removeEnvironmentHost(app: "web", environment: "prod", pid: 300)

        let digest = Digest.sha256("1")
        try await state.wantCanary(app: "web", environment: "prod", digest: digest, weight: 0)
        let wished = try #require(try await state.releaseInstances(app: "web", environment: "prod").first)
        // An observation of an older generation never marks a newer wish applied.
        try await state.observeInstance(
            app: "web", environment: "prod", digest: digest, state: .ready, port: 8001, detail: "ready",
            appliedGeneration: wished.generation - 1, at: Date())
        var seen = try #require(try await state.releaseInstances(app: "web", environment: "prod").first)
        #expect(seen.state == .ready && seen.port == 8001 && !seen.applied)
        try await state.observeInstance(
            app: "web", environment: "prod", digest: digest, state: .ready, port: 8001, detail: "ready",
            appliedGeneration: wished.generation, at: Date())
        seen = try #require(try await state.releaseInstances(app: "web", environment: "prod").first)
        #expect(seen.applied)
        var counters = TrafficCounters()
        counters.requests = 42
        try await state.recordTraffic(app: "web", environment: "prod", digest: digest, counters, at: Date())
        #expect(try await state.releaseInstances(app: "web", environment: "prod").first?.traffic?.requests == 42)
        // Only a retired instance is forgotten.
        try await state.removeInstance(app: "web", environment: "prod", digest: digest)
        #expect(try await state.releaseInstances(app: "web", environment: "prod").count == 1)
        try await state.retireInstance(app: "web", environment: "prod", digest: digest)
        try await state.removeInstance(app: "web", environment: "prod", digest: digest)
        #expect(try await state.releaseInstances(app: "web", environment: "prod").isEmpty)
    }

    @Test(arguments: Implementation.allCases)
    func rolloutSignalsAndAnalysesAreKeptPerRollout(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        try await state.sendRolloutSignal(app: "web", environment: "prod", .pause, actor: "ops", at: Date())
        #expect(try await state.pendingRolloutSignal(app: "web", environment: "prod") == .pause)
        // Looking leaves it in place; clearing forgets it.
        #expect(try await state.pendingRolloutSignal(app: "web", environment: "prod") == .pause)
        try await state.clearRolloutSignal(app: "web", environment: "prod")
        #expect(try await state.pendingRolloutSignal(app: "web", environment: "prod") == nil)
        for step in [0, 2] {
            try await state.recordAnalysis(
                RolloutAnalysisRecord(
                    promotionID: "p-1", step: step, passed: step == 0, detail: "step \(step)",
                    canary: TrafficCounters(), stable: TrafficCounters()))
        }
        let analyses = try await state.analyses(promotionID: "p-1")
        #expect(analyses.map(\.step) == [0, 2])
        #expect(analyses.map(\.passed) == [true, false])
        #expect(try await state.analyses(promotionID: "p-2").isEmpty)
    }

    @Test(arguments: Implementation.allCases)
    func totpAttemptsAreCountedAtomicallyAndStepsUsedOnce(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let connections = try (0..<4).map { _ in try fixture.connect() }
        try await connections[0].upsertUser(name: "bob", role: "releaser", at: Date())
        try await connections[0].setTOTPSecret("enc:v1:sealed", for: "bob")
        #expect(try await connections[0].user("bob")?.totpSecret == "enc:v1:sealed")
        let now = Date()
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<24 {
                let state = connections[index % connections.count]
                group.addTask {
                    if case .allowed = try await state.beginTOTPAttempt(for: "bob", limit: 5, lockout: 900, at: now) {
                        return true
                    }
                    return false
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 5)
        guard case .locked(let until) = try await connections[1].beginTOTPAttempt(for: "bob") else {
            Issue.record("a sixth attempt was allowed")
            return
        }
        #expect(until > now)
        try await connections[2].resetTOTPFailures(for: "bob")
        #expect(try await connections[2].beginTOTPAttempt(for: "bob") == .allowed(last: false))
        #expect(try await connections[3].consumeTOTPStep(100, for: "bob"))
        #expect(try await connections[0].consumeTOTPStep(100, for: "bob") == false)
        #expect(try await connections[0].consumeTOTPStep(99, for: "bob") == false)
        #expect(try await connections[0].consumeTOTPStep(101, for: "bob"))
    }

    @Test(arguments: Implementation.allCases)
    func verifiedBlobsRememberTheirStamp(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let digest = Digest.sha256("layer").description
        #expect(try await state.verifiedBlobStamp(digest) == nil)
        let stamp = BlobStamp(size: 10, mtimeNanoseconds: 1, ctimeNanoseconds: 2, inode: 3)
        try await state.recordVerifiedBlob(digest, stamp: stamp)
        #expect(try await state.verifiedBlobStamp(digest) == stamp)
        let changed = BlobStamp(size: 10, mtimeNanoseconds: 5, ctimeNanoseconds: 6, inode: 3)
        try await state.recordVerifiedBlob(digest, stamp: changed)
        #expect(try await fixture.connect().verifiedBlobStamp(digest) == changed)
    }
}

/// What the engine needs of the state beyond runs and cache keys: run graphs, avoidance manifests,
/// usage and expiry of cache entries, and remembered file digests.
@Suite struct EngineStateConformanceTests {
    @Test(arguments: Implementation.allCases)
    func runGraphsAndAvoidanceManifestsRoundTrip(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        try await state.beginRun(
            RunRecord(
                id: "r-1", correlation: "c-1", pipelineName: "web", pipelineFile: "gantry.yml",
                pipelineDigest: Digest.sha256("p").description, status: .running, startedAt: Date(),
                commitSHA: nil, branch: nil, toolVersions: "{}", owner: nil))
        let graph = [
            RunGraphNode(name: "build", needs: [], level: 0), RunGraphNode(name: "test", needs: ["build"], level: 1),
        ]
        try await state.recordRunGraph(runID: "r-1", graph)
        #expect(try await state.runGraph(runID: "r-1") == graph)
        #expect(try await state.runGraph(runID: "r-2") == nil)
        // A later graph (a computed matrix expanded) replaces the earlier one.
        let expanded = graph + [RunGraphNode(name: "test (a)", needs: ["build"], level: 1)]
        try await state.recordRunGraph(runID: "r-1", expanded)
        #expect(try await fixture.connect().runGraph(runID: "r-1") == expanded)

        try await state.saveAvoidanceManifest(
            workspace: "/w", job: "build", key: "k1", manifest: #"{"inputs":"a","env":"b"}"#, runID: "r-1")
        try await state.saveAvoidanceManifest(
            workspace: "/w", job: "build", key: "k2", manifest: #"{"inputs":"c"}"#, runID: "r-2")
        let latest = try #require(try await state.avoidanceManifest(workspace: "/w", job: "build"))
        #expect(latest.key == "k2" && latest.runID == "r-2" && latest.parts == ["inputs": "c"])
        #expect(try await state.avoidanceManifest(workspace: "/other", job: "build") == nil)
    }

    @Test(arguments: Implementation.allCases)
    func usedEntriesOutliveUnusedOnesAndFileDigestsAreRemembered(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        try await state.saveCacheEntry(key: "used", digest: Digest.sha256("u"), size: 1)
        try await state.saveCacheEntry(key: "unused", digest: Digest.sha256("n"), size: 1)
        let later = Date().addingTimeInterval(10 * 86400)
        try await state.markUsed(cacheKeys: ["used"], avoidanceKeys: [], at: later)
        let cutoff = later.addingTimeInterval(-86400)
        let preview = try await state.expireCache(unusedSince: cutoff, artifactsBefore: .distantPast, dryRun: true)
        #expect(preview == CacheExpiry(cacheEntries: 1, avoidanceEntries: 0, jobArtifacts: 0))
        // A dry run removes nothing, and what it would remove no longer counts as referenced.
        #expect(try await state.cacheDigest(forKey: "unused") != nil)
        #expect(
            try await state.referencedSnapshots(unusedSince: cutoff, artifactsBefore: nil) == [
                Digest.sha256("u").description
            ])
        _ = try await state.expireCache(unusedSince: cutoff, artifactsBefore: .distantPast, dryRun: false)
        #expect(try await state.cacheDigest(forKey: "unused") == nil)
        #expect(try await state.cacheDigest(forKey: "used") == Digest.sha256("u"))

        try await state.recordSnapshotOrigin(digest: Digest.sha256("n"), workspace: "/w", pathBound: true)
        try await state.forgetSnapshotOrigins([Digest.sha256("n").description])
        #expect(try await state.snapshotOrigin(digest: Digest.sha256("n")) == nil)

        let stamp = FileStamp(size: 3, mtimeNanoseconds: 1_000, inode: 7)
        try await state.saveFileDigests([(path: "/w/a.txt", stamp: stamp, digest: "abc")])
        let known = try await fixture.connect().fileDigests()
        #expect(known["/w/a.txt"]?.0 == stamp)
        #expect(known["/w/a.txt"]?.1 == "abc")
    }
}
