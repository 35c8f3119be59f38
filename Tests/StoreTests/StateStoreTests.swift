import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Store

@Suite struct StateStoreTests {
    func makeRun(_ id: String, status: RunStatus = .running) -> RunRecord {
        RunRecord(
            id: id, correlation: "c-\(id)", pipelineName: "demo", pipelineFile: "gantry.yml",
            pipelineDigest: "sha256:" + String(repeating: "a", count: 64), status: status, startedAt: Date(),
            commitSHA: "abc123", branch: "main", toolVersions: "{\"gantry\":\"0.1.0\"}")
    }

    func makeJob(run: String, name: String) -> JobRecord {
        JobRecord(
            runID: run, name: name, jobID: name, status: .success, attempts: 2, startedAt: Date(), finishedAt: Date(),
            durationMs: 42, cache: "miss", reason: nil, outputs: "{\"v\":\"1\"}",
            attemptRecords: [
                AttemptRecord(
                    number: 1, status: .failure, startedAt: Date(), durationMs: 20,
                    steps: [
                        StepRecord(index: 0, name: "s", status: .failure, exitCode: 1, signal: nil, durationMs: 20)
                    ]),
                AttemptRecord(
                    number: 2, status: .success, startedAt: Date(), durationMs: 22,
                    steps: [
                        StepRecord(index: 0, name: "s", status: .success, exitCode: 0, signal: nil, durationMs: 22)
                    ]),
            ])
    }

    @Test func recordsRunsJobsAttemptsAndSteps() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.url)
        try store.beginRun(makeRun("20260101-000000-aaaaaa"))
        try store.recordJob(makeJob(run: "20260101-000000-aaaaaa", name: "build"))
        try store.finishRun(id: "20260101-000000-aaaaaa", status: .success, finishedAt: Date(), durationMs: 100)

        let run = try #require(try store.run(matching: "20260101"))
        #expect(run.status == .success)
        #expect(run.durationMs == 100)
        #expect(run.commitSHA == "abc123")
        let jobs = try store.jobs(runID: run.id)
        #expect(jobs.count == 1)
        #expect(jobs[0].attemptRecords.map(\.status) == [.failure, .success])
        #expect(jobs[0].attemptRecords[0].steps[0].exitCode == 1)
        #expect(try store.run(matching: "latest")?.id == run.id)
        #expect(try store.run(matching: "nope") == nil)
    }

    /// A digest column that holds something else (a database edited by hand) is an error that says
    /// so, not a crash and not a record made up from it.
    @Test func aDamagedDigestIsAnErrorNotACrash() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.url)
        _ = try store.openPromotion(
            PromotionRecord(
                id: "p-1", kind: .promote, app: "web", environment: "dev", digest: Digest.sha256("x"),
                status: .awaitingApproval, requestedBy: "alice"))
        #expect(try store.promotion(id: "p-1")?.digest == Digest.sha256("x"))
        try store.write("damage the row") { db in
            try db.execute(sql: "UPDATE promotions SET digest = 'sha256:not-a-digest' WHERE id = 'p-1'")
        }
        let error = #expect(throws: StoreError.self) { try store.promotion(id: "p-1") }
        #expect(error?.message.contains("'sha256:not-a-digest' in digest, which is not a digest") == true)
    }

    @Test func ambiguousPrefixMatchesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.url)
        try store.beginRun(makeRun("20260101-000000-aaaaaa"))
        try store.beginRun(makeRun("20260101-000000-bbbbbb"))
        #expect(try store.run(matching: "20260101") == nil)
        #expect(try store.run(matching: "20260101-000000-b")?.id == "20260101-000000-bbbbbb")
        #expect(try store.run(matching: "%") == nil)
    }

    @Test func reopeningKeepsDataAndMigrationsAreIdempotent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try StateStore(directory: directory.url)
            try store.beginRun(makeRun("r1"))
        }
        let reopened = try StateStore(directory: directory.url)
        #expect(try reopened.runs().map(\.id) == ["r1"])
    }

    @Test func concurrentWritersFromTwoConnectionsStayConsistent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Two stores on one file stand for two gantry processes.
        let first = try StateStore(directory: directory.url)
        let second = try StateStore(directory: directory.url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in [first, second].enumerated() {
                group.addTask {
                    for n in 0..<25 {
                        let id = "run-\(index)-\(n)"
                        try store.beginRun(makeRun(id))
                        try store.recordJob(makeJob(run: id, name: "a"))
                        try store.recordJob(makeJob(run: id, name: "b"))
                        try store.finishRun(id: id, status: .success, finishedAt: Date(), durationMs: 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        let runs = try first.runs(limit: 100)
        #expect(runs.count == 50)
        #expect(runs.allSatisfy { $0.status == .success })
        for run in runs { #expect(try first.jobs(runID: run.id).count == 2) }
    }

    @Test func cacheEntriesAreImmutableOnceWritten() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.url)
        try store.saveCacheEntry(key: "k", digest: Digest.sha256("1"), size: 1)
        try store.saveCacheEntry(key: "k", digest: Digest.sha256("2"), size: 2)
        #expect(try store.cacheDigest(forKey: "k") == Digest.sha256("1"))
        #expect(try store.cacheDigest(forKey: "missing") == nil)
        try store.saveAvoidance(AvoidanceEntry(key: "a", jobID: "j", outputs: "{}", snapshotDigest: nil, runID: "r"))
        #expect(try store.avoidance(forKey: "a")?.runID == "r")
    }

    @Test func unopenableDatabaseIsAClearError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("state.db", "this is not a database, just text that is long enough to not be a header")
        #expect(throws: StoreError.self) { try StateStore(directory: directory.url) }
    }
}
