import Foundation
import GantryCore
import Store
import Testing

/// The server's state — runs by page, API tokens, the run queue and webhook deliveries — held to one
/// behaviour for every implementation.
@Suite struct ServerStateConformanceTests {
    private func run(_ id: String, startedAt: Date, status: RunStatus = .success, project: String? = "web")
        -> RunRecord
    {
        RunRecord(
            id: id, correlation: "c-\(id)", pipelineName: project ?? "local", pipelineFile: "gantry.yml",
            pipelineDigest: "sha256:" + String(repeating: "b", count: 64), status: status, startedAt: startedAt,
            project: project)
    }

    @Test(arguments: Implementation.allCases)
    func runsPageNewestFirstWithFilters(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<7 {
            try await state.beginRun(
                run(
                    "r\(index)", startedAt: base.addingTimeInterval(Double(index / 2)),
                    status: index % 3 == 0 ? .failure : .success, project: index == 6 ? "api" : "web"))
        }
        // Pages of three walk every run once, newest first, ties broken by id.
        var seen: [String] = []
        var cursor: RunCursor?
        repeat {
            let page = try await state.runs(RunQuery(before: cursor, limit: 3))
            seen += page.map(\.id)
            cursor = page.count == 3 ? page.last.map(RunCursor.init(after:)) : nil
        } while cursor != nil
        #expect(seen == ["r6", "r5", "r4", "r3", "r2", "r1", "r0"])

        let failed = try await state.runs(RunQuery(status: .failure, limit: 10))
        #expect(failed.map(\.id) == ["r6", "r3", "r0"])
        let api = try await state.runs(RunQuery(project: "api", limit: 10))
        #expect(api.map(\.id) == ["r6"])
        #expect(api.first?.project == "api")
    }

    @Test(arguments: Implementation.allCases)
    func theChangeStampMovesWithEveryWriteFromAnyConnectionAndOnlyThen(_ implementation: Implementation)
        async throws
    {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let reader = try fixture.connect()
        let writer = try fixture.connect()
        let first = try await reader.changeStamp()
        _ = try await reader.runs(RunQuery(limit: 5))
        #expect(try await reader.changeStamp() == first)
        try await writer.beginRun(run("r1", startedAt: Date()))
        // Another connection's write shows within a short delay (polled, at most 5 s).
        var second = try await reader.changeStamp()
        for _ in 0..<500 where second == first {
            try await Task.sleep(for: .milliseconds(10))
            second = try await reader.changeStamp()
        }
        #expect(second != first)
        #expect(try await reader.changeStamp() == second)
        // A write through the same connection counts too.
        try await reader.finishRun(id: "r1", status: .success, finishedAt: Date(), durationMs: 1)
        #expect(try await reader.changeStamp() != second)
    }

    @Test(arguments: Implementation.allCases)
    func theOutboxHoldsEachFinishedRunUntilDeliveredRetriedOrDead(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let now = Date()
        for id in ["r1", "r2"] {
            try await state.beginRun(run(id, startedAt: now, status: .running))
            try await state.finishRun(id: id, status: .failure, finishedAt: now, durationMs: 1)
        }
        let due = try await state.dueEvents(at: now.addingTimeInterval(1), limit: 10)
        #expect(due.map(\.subject) == ["r1", "r2"])
        #expect(due.first?.fields["status"] == "failure")
        let (first, second) = (due[0].id, due[1].id)
        try await state.markDelivered(first, at: now)
        try await state.markFailed(second, error: "HTTP 503", retryAt: now.addingTimeInterval(60))
        #expect(try await state.dueEvents(at: now.addingTimeInterval(1), limit: 10).isEmpty)
        let later = try await state.dueEvents(at: now.addingTimeInterval(61), limit: 10)
        #expect(later.map(\.id) == [second])
        #expect(later.first?.attempts == 1)
        #expect(later.first?.lastError == "HTTP 503")
        try await state.markFailed(second, error: "HTTP 503", retryAt: nil)
        #expect(try await state.outboxEvents(state: .dead, limit: 10).map(\.id) == [second])
        #expect(try await state.outboxEvents(state: .delivered, limit: 10).map(\.id) == [first])
        // Pruning: nothing written after the cut-offs goes; a delivered one before its cut-off does,
        // a dead one only before its own; pending ones never.
        let r3 = try await state.pruneOutbox(
            deliveredBefore: now.addingTimeInterval(-1), deadBefore: now.addingTimeInterval(-1))
        #expect(r3 == 0)
        #expect(
            try await state.pruneOutbox(
                deliveredBefore: now.addingTimeInterval(5), deadBefore: now.addingTimeInterval(-1))
                == 1)
        #expect(try await state.outboxEvents(state: .delivered, limit: 10).isEmpty)
        #expect(try await state.outboxEvents(state: .dead, limit: 10).map(\.id) == [second])
        #expect(try await state.retryEvent(second, at: now))
        #expect(try await !state.retryEvent(second, at: now))
        #expect(try await state.dueEvents(at: now, limit: 10).map(\.id) == [second])
        #expect(
            try await state.pruneOutbox(
                deliveredBefore: now.addingTimeInterval(5), deadBefore: now.addingTimeInterval(5))
                == 0)
        #expect(try await state.dueEvents(at: now, limit: 10).map(\.id) == [second])
    }

    @Test(arguments: Implementation.allCases)
    func anAlertActsOnADigestOnceAcrossConnections(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let digest = Digest.sha256("e")
        let claimed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await fixture.connect().claimAlertAction(
                        fingerprint: "f1", digest: digest, app: "web", environment: "prod", at: Date())
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(claimed == 1)
        let state = try fixture.connect()
        // Another digest (a later bad release) or another alert acts again.
        #expect(
            try await state.claimAlertAction(
                fingerprint: "f1", digest: Digest.sha256("f"), app: "web",
                environment: "prod", at: Date()))
        #expect(
            try await state.claimAlertAction(
                fingerprint: "f2", digest: digest, app: "web", environment: "prod", at: Date()))
    }

    @Test(arguments: Implementation.allCases)
    func rolloutRequestsAreTakenOnceAndTheLatestWins(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        #expect(try await state.takeRolloutSignal(app: "web", environment: "prod") == nil)
        #expect(try await state.releaseInstances(app: "web", environment: "prod").isEmpty)
        try await state.sendRolloutSignal(app: "web", environment: "prod", .promote, actor: "dana", at: Date())
        try await state.sendRolloutSignal(app: "web", environment: "prod", .abort, actor: "ops", at: Date())
        try await state.sendRolloutSignal(app: "api", environment: "prod", .promote, actor: "dana", at: Date())
        let taken = try await fixture.connect().takeRolloutSignal(app: "web", environment: "prod")
        #expect(taken?.signal == .abort)
        #expect(taken?.actor == "ops")
        #expect(try await state.takeRolloutSignal(app: "web", environment: "prod") == nil)
        #expect(try await state.takeRolloutSignal(app: "api", environment: "prod")?.signal == .promote)
    }

    @Test(arguments: Implementation.allCases)
    func aRolloutKeepsOneProgressPerAppAndEnvironment(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        #expect(try await state.rolloutProgress(app: "web", environment: "prod") == nil)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        try await state.recordRolloutProgress(
            app: "web", environment: "prod",
            RolloutProgress(promotionID: "p-1", step: 0, steps: 3, phase: "canary at 10%", at: at))
        let paused = RolloutProgress(
            promotionID: "p-1", step: 1, steps: 3, phase: "paused for 1m", pausedBy: "dana", at: at)
        try await state.recordRolloutProgress(app: "web", environment: "prod", paused)
        try await state.recordRolloutProgress(
            app: "api", environment: "prod",
            RolloutProgress(promotionID: "p-2", step: 0, steps: 1, phase: "canary at 50%", at: at))
        #expect(try await fixture.connect().rolloutProgress(app: "web", environment: "prod") == paused)
        #expect(try await state.rolloutProgress(app: "api", environment: "prod")?.promotionID == "p-2")
    }

    @Test(arguments: Implementation.allCases)
    func tokensAreFoundByHashRevokedOnceAndNeverDuplicated(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let now = Date()
        let token = APITokenRecord(
            id: "tok_1", user: "alice", role: .releaser, hash: String(repeating: "c", count: 64), createdAt: now,
            expiresAt: now.addingTimeInterval(3600))
        try await state.addToken(token)
        let found = try #require(try await state.token(hash: token.hash))
        #expect(found.user == "alice")
        #expect(found.role == .releaser)
        #expect(found.isValid(at: now))
        #expect(!found.isValid(at: now.addingTimeInterval(7200)))
        #expect(try await state.token(hash: String(repeating: "d", count: 64)) == nil)

        await #expect(throws: StoreError.self) {
            try await state.addToken(
                APITokenRecord(id: "tok_2", user: "bob", role: .admin, hash: token.hash, createdAt: now))
        }
        #expect(try await state.revokeToken(id: "tok_1", at: now))
        #expect(try await !state.revokeToken(id: "tok_1", at: now))
        #expect(try await !state.revokeToken(id: "tok_missing", at: now))
        let revoked = try #require(try await state.token(hash: token.hash))
        #expect(!revoked.isValid(at: now))
        #expect(try await state.tokens().map(\.id) == ["tok_1"])
    }

    @Test(arguments: Implementation.allCases)
    func aDeliveryQueuesOneRunHoweverOftenItIsSent(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let now = Date()
        // Eight connections (processes) deliver the same webhook at once: one run is queued.
        let queued = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let state = try fixture.connect()
                    return try await state.enqueue(
                        QueuedRun(
                            id: "q\(index)", project: "web", commitSHA: String(repeating: "a", count: 40),
                            ref: "refs/heads/main", event: "push", source: "github", changedFiles: ["src/a.py"],
                            queuedAt: now, requestedBy: "github"),
                        delivery: WebhookDelivery(source: "github", deliveryID: "d-1", project: "web", receivedAt: now))
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(queued == 1)
        let state = try fixture.connect()
        let entries = try await state.queuedRuns(statuses: nil, limit: 10)
        #expect(entries.count == 1)
        #expect(entries.first?.changedFiles == ["src/a.py"])
        // The same delivery id from another forge is another delivery.
        #expect(
            try await state.enqueue(
                QueuedRun(
                    id: "q-gl", project: "web", commitSHA: String(repeating: "b", count: 40), ref: nil, event: "push",
                    source: "gitlab", queuedAt: now, requestedBy: "gitlab"),
                delivery: WebhookDelivery(source: "gitlab", deliveryID: "d-1", project: "web", receivedAt: now)))
    }

    @Test(arguments: Implementation.allCases)
    func workersClaimEachQueuedRunOnceOldestFirst(_ implementation: Implementation) async throws {
        let fixture = try implementation.make()
        defer { fixture.remove() }
        let state = try fixture.connect()
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<10 {
            _ = try await state.enqueue(
                QueuedRun(
                    id: "q\(index)", project: "web", commitSHA: String(repeating: "a", count: 40), ref: nil,
                    event: "api", source: "api", queuedAt: base.addingTimeInterval(Double(index)), requestedBy: "alice"),
                delivery: nil)
        }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let worker = try fixture.connect()
                    var mine: [String] = []
                    while let run = try await worker.claimQueuedRun(at: Date()) { mine.append(run.id) }
                    return mine
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.sorted() == (0..<10).map { "q\($0)" }.sorted())
        #expect(try await state.claimQueuedRun(at: Date()) == nil)

        try await state.attachRun(queueID: "q0", runID: "run-0")
        #expect(try await state.closeQueuedRun(id: "q0", status: .finished, detail: nil, at: Date()))
        #expect(try await !state.closeQueuedRun(id: "q0", status: .failed, detail: "late", at: Date()))
        let closed = try #require(try await state.queuedRun(id: "q0"))
        #expect(closed.status == .finished)
        #expect(closed.runID == "run-0")

        // A restart interrupts the nine still started, and only those.
        let interrupted = try await state.interruptStartedRuns(at: Date())
        #expect(interrupted.count == 9)
        #expect(try await state.queuedRuns(statuses: [.interrupted], limit: 50).count == 9)
        #expect(try await state.queuedRuns(statuses: [.started], limit: 50).isEmpty)
    }
}
