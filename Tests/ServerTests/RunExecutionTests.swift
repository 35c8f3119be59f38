import Foundation
import GantryTestSupport
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

/// The server with its run workers: a webhook's commit is checked out and run by the engine.
@Suite struct RunExecutionTests {
    /// Waits (polling the state, bounded) until the queue entry is closed, and returns it.
    static func waitUntilClosed(_ id: String, in state: StateStore) async throws -> QueuedRun {
        for _ in 0..<600 {
            if let entry = try state.queuedRun(id: id), ![.queued, .started].contains(entry.status) { return entry }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("queue entry \(id) did not finish within 30 s")
    }

    @Test func aWebhookRunsTheExactCommitInAWorktreeOfItsOwn() async throws {
        let fixture = try ServerFixture(
            pipeline: """
                name: demo
                jobs:
                  build:
                    steps:
                      - run: cat marker.txt > "$GANTRY_HOME_PROBE" 2>/dev/null || cat marker.txt; pwd
                """)
        defer { fixture.remove() }
        // The first commit has marker "one"; the branch then moves on to "two". The hook names the first.
        try Data("one\n".utf8).write(to: fixture.repository.appendingPathComponent("marker.txt"))
        try ServerFixture.git(["add", "marker.txt"], in: fixture.repository)
        try ServerFixture.git(["commit", "-q", "-m", "one"], in: fixture.repository)
        let first = try ServerFixture.git(["rev-parse", "HEAD"], in: fixture.repository)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try Data("two\n".utf8).write(to: fixture.repository.appendingPathComponent("marker.txt"))
        try ServerFixture.git(["commit", "-q", "-am", "two"], in: fixture.repository)

        let body = WebhookTests.push(first)
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        let state = try fixture.state
        let queueID = try await application.test(.live) { client in
            let response = try await client.execute(
                uri: "/hooks/github", method: .post,
                headers: WebhookTests.githubHeaders(delivery: "live-1", signature: WebhookTests.sign(body)),
                body: ByteBuffer(json: body))
            #expect(response.status == .accepted)
            let id = try #require(response.json["id"] as? String)
            let closed = try await Self.waitUntilClosed(id, in: state)
            #expect(closed.status == .finished, "\(closed.detail ?? "")")
            return id
        }
        let entry = try #require(try state.queuedRun(id: queueID))
        let runID = try #require(entry.runID)
        let run = try #require(try state.run(matching: runID))
        #expect(run.status == .success)
        #expect(run.commitSHA == first)
        #expect(run.project == "web")
        #expect(run.branch == "main")
        // The job saw the first commit's file, in the entry's own worktree, which is gone now.
        let log = try String(
            contentsOf: fixture.directory.url.appendingPathComponent("data/logs/\(runID)/build.jsonl"), encoding: .utf8)
        #expect(log.contains("one"))
        #expect(!log.contains("two"))
        #expect(log.contains("worktrees/\(queueID)"))
        #expect(
            !FileManager.default.fileExists(
                atPath: fixture.directory.url.appendingPathComponent("data/worktrees/\(queueID)").path))
    }

    /// A pull request's payload lists no files: path filters use `git diff` from its base to its head.
    @Test func aPullRequestsPathFiltersUseTheDiffFromItsBase() async throws {
        let fixture = try ServerFixture(
            pipeline: """
                name: demo
                jobs:
                  code:
                    paths: ["src/**"]
                    steps:
                      - run: echo code
                  docs:
                    paths: ["docs/**"]
                    steps:
                      - run: echo docs
                """, files: ["src/app.py": "print(1)\n", "docs/index.md": "# one\n"])
        defer { fixture.remove() }
        try Data("# two\n".utf8).write(to: fixture.repository.appendingPathComponent("docs/index.md"))
        try ServerFixture.git(["commit", "-q", "-am", "docs only"], in: fixture.repository)
        let head = try ServerFixture.git(["rev-parse", "HEAD"], in: fixture.repository)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let body = """
            {"action":"opened","number":7,"pull_request":{"number":7,"head":{"sha":"\(head)","ref":"docs"},
             "base":{"sha":"\(fixture.commit)","ref":"main"}}}
            """
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        let state = try fixture.state
        try await application.test(.router) { client in
            let response = try await client.execute(
                uri: "/hooks/github", method: .post,
                headers: WebhookTests.githubHeaders(
                    event: "pull_request", delivery: "pr-7", signature: WebhookTests.sign(body)),
                body: ByteBuffer(json: body))
            #expect(response.status == .accepted)
            #expect(response.json["ref"] as? String == "refs/pull/7/head")
            let id = try #require(response.json["id"] as? String)
            let closed = try await Self.waitUntilClosed(id, in: state)
            #expect(closed.status == .finished, "\(closed.detail ?? "")")
            let jobs = try state.jobs(runID: try #require(closed.runID))
            #expect(jobs.first { $0.name == "code" }?.status == .skipped)
            #expect(jobs.first { $0.name == "docs" }?.status == .success)
            #expect(try state.run(matching: try #require(closed.runID))?.status == .success)
        }
    }

    /// Two workers take two new commits at once: their fetches into the one mirror take turns.
    @Test func twoWorkersFetchIntoOneMirrorInTurn() async throws {
        let fixture = try ServerFixture { $0.workers = 2 }
        defer { fixture.remove() }
        var commits = [fixture.commit]
        for version in ["two", "three", "four"] {
            try Data("\(version)\n".utf8).write(to: fixture.repository.appendingPathComponent("v.txt"))
            try ServerFixture.git(["add", "v.txt"], in: fixture.repository)
            try ServerFixture.git(["commit", "-q", "-m", version], in: fixture.repository)
            commits.append(
                try ServerFixture.git(["rev-parse", "HEAD"], in: fixture.repository)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let state = try fixture.state
        for (index, commit) in commits.enumerated() {
            _ = try state.enqueue(
                QueuedRun(
                    id: "q_\(index)", project: "web", commitSHA: commit, ref: "refs/heads/main", event: "api",
                    source: "api", queuedAt: Date(), requestedBy: "t"))
        }
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        let count = commits.count
        try await application.test(.router) { _ in
            for index in 0..<count {
                let closed = try await Self.waitUntilClosed("q_\(index)", in: state)
                #expect(closed.status == .finished, "\(closed.detail ?? "")")
            }
        }
    }

    @Test func aCommitTheRepositoryDoesNotHaveFailsTheEntryClearly() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let missing = String(repeating: "ab", count: 20)
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        let state = try fixture.state
        try await application.test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: fixture.headers(.developer),
                body: ByteBuffer(json: #"{"project":"web","commit":"\#(missing)"}"#))
            let id = try #require(response.json["id"] as? String)
            let closed = try await Self.waitUntilClosed(id, in: state)
            #expect(closed.status == .failed)
            #expect(closed.detail?.contains("is not in") == true)
        }
    }

    @Test func aRestartInterruptsWhatWasRunningAndKeepsWhatWasQueued() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let state = try fixture.state
        for id in ["q_started", "q_waiting"] {
            _ = try state.enqueue(
                QueuedRun(
                    id: id, project: "web", commitSHA: fixture.commit, ref: nil, event: "api", source: "api",
                    queuedAt: Date(), requestedBy: "t"))
        }
        _ = try state.claimQueuedRun()  // q_started, as a server killed with -9 left it
        let application = try await fixture.server.application(host: "127.0.0.1", port: 0)
        #expect(try state.queuedRun(id: "q_started")?.status == .interrupted)
        // The queued one resumes once the workers run.
        try await application.test(.router) { _ in
            let closed = try await Self.waitUntilClosed("q_waiting", in: state)
            #expect(closed.status == .finished, "\(closed.detail ?? "")")
        }
    }
}
