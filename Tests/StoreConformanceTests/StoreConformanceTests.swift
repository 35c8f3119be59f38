import Foundation
import GantryCore
import GantryTestSupport
import Store
import Testing

/// One behaviour for every implementation of the state's repository protocols. SQLite runs here
/// today; PostgreSQL joins `Implementation` and must pass the same tests, concurrency included.
enum Implementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, empty state and a way to open more connections to that same state (as other processes
    /// or hosts would).
    func make() throws -> StateFixture {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let state = directory.url.appendingPathComponent("state")
            return StateFixture(
                remove: { directory.remove() },
                connect: { SQLiteRepositories(store: try StateStore(directory: state)) })
        }
    }
}

struct StateFixture: Sendable {
    let remove: @Sendable () -> Void
    /// A new connection (a separate pool for SQLite: what another `gantry` process has).
    let connect: @Sendable () throws -> any StateRepositories
}

@Suite struct StoreConformanceTests {
    private func promotion(_ id: String, app: String = "web", environment: String = "prod", status: PromotionStatus)
        -> PromotionRecord
    {
        PromotionRecord(
            id: id, kind: .promote, app: app, environment: environment,
            digest: Digest.sha256("a"), status: status, requestedBy: "alice")
    }

    @Test(arguments: Implementation.allCases)
    func runsJobsAndArtifactsRoundTrip(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let run = RunRecord(
            id: "20261129-120000-abcdef", correlation: "c-1", pipelineName: "web", pipelineFile: "gantry.yml",
            pipelineDigest: "sha256:" + String(repeating: "b", count: 64), status: .running, startedAt: Date(),
            commitSHA: "abc", branch: "main", toolVersions: "{}", owner: nil, uncommittedChanges: ["src/a.py"])
        try await state.beginRun(run)
        let step = StepRecord(index: 0, name: "build", status: .success, exitCode: 0, signal: nil, durationMs: 5)
        let job = JobRecord(
            runID: run.id, name: "build", jobID: "build", status: .success, attempts: 1, startedAt: Date(),
            finishedAt: Date(), durationMs: 5, cache: "hit", reason: nil, outputs: "{\"v\":\"1\"}",
            attemptRecords: [
                AttemptRecord(number: 1, status: .success, startedAt: Date(), durationMs: 5, steps: [step])
            ])
        try await state.recordJobs([job])
        try await state.finishRun(id: run.id, status: .success, finishedAt: Date(), durationMs: 9)

        let found = try #require(try await state.run(matching: "20261129-1200"))
        #expect(found.status == .success)
        #expect(found.uncommittedChanges == ["src/a.py"])
        #expect(try await state.run(matching: "latest")?.id == run.id)
        let jobs = try await state.jobs(runID: run.id)
        #expect(jobs.map(\.name) == ["build"])
        #expect(jobs.first?.attemptRecords.first?.steps.first?.exitCode == 0)
        #expect(jobs.first?.cache == "hit")

        let artifact = JobArtifactRecord(
            runID: run.id, name: "wheel", job: "build", jobID: "build",
            digest: Digest.sha256("c"),
            size: 10, files: 1)
        try await state.addJobArtifact(artifact)
        await #expect(throws: StoreError.self) { try await state.addJobArtifact(artifact) }
        #expect(try await state.jobArtifacts(runID: run.id, jobIDs: ["build"]).map(\.name) == ["wheel"])
        #expect(try await state.jobArtifacts(runID: run.id, jobIDs: ["other"]).isEmpty)
    }

    @Test(arguments: Implementation.allCases)
    func oneOpenPromotionPerAppAndEnvironmentAcrossConnections(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let connections = try (0..<4).map { _ in try fixture.connect() }
        // Twenty attempts from four connections at once: exactly one opens; the others see it.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                let state = connections[index % connections.count]
                group.addTask {
                    do {
                        _ = try await state.openPromotion(
                            promotion("p-\(String(index, radix: 16))", status: .deploying))
                        return true
                    } catch is PromotionConflict {
                        return false
                    } catch {
                        Issue.record("unexpected error: \(error)")
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let open = try #require(try await connections[0].openPromotion(app: "web", environment: "prod"))
        // Another environment of the same app is independent.
        _ = try await connections[1].openPromotion(promotion("p-ff", environment: "staging", status: .deploying))
        // Once it closes, the next one may open.
        try await connections[2].completePromotion(open.id, verified: true, detail: "ok", at: Date())
        _ = try await connections[3].openPromotion(promotion("p-100", status: .deploying))
        #expect(try await connections[0].pointer(app: "web", environment: "prod")?.promotionID == open.id)
        #expect(try await connections[0].hasPassed(app: "web", environment: "prod", digest: open.digest))
    }

    @Test(arguments: Implementation.allCases)
    func transitionsAreCompareAndSet(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let first = try fixture.connect()
        _ = try await first.openPromotion(promotion("p-1", status: .deploying))
        let connections = try (0..<4).map { _ in try fixture.connect() }
        let moved = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                let state = connections[index % connections.count]
                group.addTask {
                    (try? await state.transition("p-1", from: [.deploying], to: .verifying, detail: "\(index)"))
                        ?? false
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(moved == 1)
        #expect(try await first.promotion(id: "p-1")?.status == .verifying)
        #expect(try await first.transition("p-1", from: [.deploying], to: .verifying, detail: "late") == false)
    }

    @Test(arguments: Implementation.allCases)
    func leasesAreGrantedWithIncreasingTokensAndRenewedOnlyByTheirHolder(_ implementation: Implementation)
        async throws
    {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        var first = promotion("p-a", status: .deploying)
        first.leaseExpiresAt = Date().addingTimeInterval(60)
        let a = try await state.openPromotion(first)
        var second = promotion("p-b", environment: "staging", status: .deploying)
        second.leaseExpiresAt = Date().addingTimeInterval(60)
        let b = try await state.openPromotion(second)
        let tokenA = try #require(a.fencingToken)
        let tokenB = try #require(b.fencingToken)
        #expect(tokenB > tokenA)
        #expect(try await state.promotion(id: "p-a")?.fencingToken == tokenA)
        #expect(try await state.renewLease("p-a", token: tokenA, until: Date().addingTimeInterval(120)))
        #expect(try await state.renewLease("p-a", token: tokenB, until: Date().addingTimeInterval(120)) == false)
        try await state.completePromotion("p-a", verified: true, detail: "ok", at: Date())
        #expect(try await state.renewLease("p-a", token: tokenA, until: Date().addingTimeInterval(120)) == false)
        // A promotion without a lease (awaiting approval) has no token until it is taken over with one.
        _ = try await state.openPromotion(promotion("p-c", environment: "qa", status: .awaitingApproval))
        #expect(try await state.promotion(id: "p-c")?.fencingToken == nil)
    }

    @Test(arguments: Implementation.allCases)
    func auditAppendsUnderContentionFormOneChain(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let connections = try (0..<4).map { _ in try fixture.connect() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, state) in connections.enumerated() {
                group.addTask {
                    for step in 0..<25 {
                        _ = try await state.appendAudit(
                            actor: "writer-\(index)", action: "test", subject: "s-\(step)", details: ["n": "\(step)"],
                            at: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        let state = connections[0]
        let entries = try await state.auditEntries(subjectPrefix: nil, limit: 1000)
        #expect(entries.count == 100)
        #expect(Set(entries.map(\.sequence)) == Set(1...100))
        let verification = try await state.verifyAudit()
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(try await state.auditHead()?.sequence == 100)
    }

    @Test(arguments: Implementation.allCases)
    func cacheKeysAreImmutableAndPrefixesFindTheNewest(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        try await state.saveCacheEntry(key: "deps-1", digest: Digest.sha256("1"), size: 1)
        try await state.saveCacheEntry(key: "deps-1", digest: Digest.sha256("other"), size: 1)
        #expect(try await state.cacheDigest(forKey: "deps-1") == Digest.sha256("1"))
        try await Task.sleep(for: .milliseconds(20))
        try await state.saveCacheEntry(key: "deps-2", digest: Digest.sha256("2"), size: 1)
        try await state.saveCacheEntry(key: "dep%_x", digest: Digest.sha256("3"), size: 1)
        #expect(try await state.cacheEntries(withPrefix: "deps-", limit: 10).map(\.key) == ["deps-2", "deps-1"])
        // A prefix is text, not a pattern.
        #expect(try await state.cacheEntries(withPrefix: "dep%", limit: 10).map(\.key) == ["dep%_x"])

        let entry = AvoidanceEntry(key: "k", jobID: "build", outputs: "{}", snapshotDigest: nil, runID: "r-1")
        try await state.saveAvoidance(entry)
        #expect(try await state.avoidance(forKey: "k") == entry)
        try await state.recordSnapshotOrigin(digest: Digest.sha256("1"), workspace: "/w/a", pathBound: true)
        try await state.recordSnapshotOrigin(digest: Digest.sha256("1"), workspace: "/w/b", pathBound: false)
        let origin = try await state.snapshotOrigin(digest: Digest.sha256("1"))
        #expect(origin?.workspace == "/w/a")
        #expect(origin?.pathBound == true)
    }

    @Test(arguments: Implementation.allCases)
    func approvalsUsersAndRejections(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        try await state.upsertUser(name: "bob", role: "releaser", at: Date())
        #expect(try await state.user("bob")?.role == "releaser")
        _ = try await state.openPromotion(promotion("p-2", status: .awaitingApproval))
        let approval = ApprovalRecord(
            promotionID: "p-2", approver: "bob", role: "releaser", approvedAt: Date(), totp: false)
        try await state.addApproval(approval)
        await #expect(throws: StoreError.self) { try await state.addApproval(approval) }
        #expect(try await state.approvals(of: "p-2").map(\.approver) == ["bob"])
        let first = try await state.reject(
            RejectionRecord(
                app: "web", digest: Digest.sha256("x"), reason: "bad", rejectedBy: "bob", rejectedAt: Date()))
        #expect(try await state.rejection(app: "web", digest: Digest.sha256("x"))?.reason == first.reason)
    }

    @Test(arguments: Implementation.allCases)
    func vulnerabilityRecordsAreReplacedOnlyByNewerOnes(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        func record(_ modified: String, _ text: String) -> StoredOSVRecord {
            StoredOSVRecord(
                id: "GHSA-1", ecosystem: "PyPI", modified: modified, json: Data(text.utf8),
                packages: [("PyPI", "requests")])
        }
        #expect(try await state.importOSV([record("2026-01-01T00:00:00Z", "v1")]) == 1)
        #expect(try await state.importOSV([record("2025-01-01T00:00:00Z", "old")]) == 0)
        #expect(try await state.importOSV([record("2026-06-01T00:00:00Z", "v2")]) == 1)
        #expect(try await state.osvRecords(ecosystem: "PyPI", name: "requests") == [Data("v2".utf8)])
        #expect(try await state.osvStatus().map(\.records) == [1])

        try await state.recordPush(
            registry: "127.0.0.1:5000", repository: "web", digest: Digest.sha256("1"), at: Date())
        #expect(try await state.pushedRepositories(registry: "127.0.0.1:5000", digest: Digest.sha256("1")) == ["web"])
    }
}
