import Foundation
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct PipelineHealthTests {
    static func run(_ id: String, _ status: RunStatus, ms: Int64?, pipeline: String = "ci", project: String? = "web")
        -> RunRecord
    {
        RunRecord(
            id: id, correlation: "c", pipelineName: pipeline, pipelineFile: "gantry.yml",
            pipelineDigest: "sha256:" + String(repeating: "a", count: 64), status: status, startedAt: Date(),
            durationMs: ms, project: project)
    }

    @Test func ratesDurationsAndRetriesPerPipelineAndJob() {
        // Newest first: r4 still running (left out of rates), r3 failed, r2 and r1 passed; another pipeline.
        let runs = [
            Self.run("r4", .running, ms: nil), Self.run("r3", .failure, ms: 4000), Self.run("r2", .success, ms: 2000),
            Self.run("r1", .success, ms: 3000), Self.run("n1", .success, ms: 100, pipeline: "nightly"),
        ]
        let outcomes = [
            JobOutcome(runID: "r3", name: "test", status: .retriesExhausted, attempts: 3, durationMs: 900),
            JobOutcome(runID: "r3", name: "deploy", status: .skipped, attempts: 0, durationMs: 0),
            JobOutcome(runID: "r2", name: "test", status: .success, attempts: 2, durationMs: 300),
            JobOutcome(runID: "r2", name: "deploy", status: .success, attempts: 1, durationMs: 50),
            JobOutcome(runID: "r1", name: "test", status: .cached, attempts: 1, durationMs: 100),
            JobOutcome(runID: "r4", name: "test", status: .failure, attempts: 1, durationMs: 1),
        ]
        let health = PipelineHealth.summarize(runs: runs, outcomes: outcomes)
        #expect(health.map(\.pipeline) == ["ci", "nightly"])
        let ci = health[0]
        #expect(ci.runs == 3)
        #expect(ci.passed == 2)
        #expect(ci.passRate == 67)
        #expect(ci.medianMs == 3000)
        #expect(ci.recent == [.running, .failure, .success, .success])
        let test = try? #require(ci.jobs.first { $0.name == "test" })
        #expect(test?.runs == 3)
        #expect(test?.passed == 2)  // a cached job passed; the running run is left out
        #expect(test?.retried == 2)
        #expect(test?.medianMs == 300)
        #expect(test?.p90Ms == 900)
        #expect(test?.last == .retriesExhausted)
        let deploy = ci.jobs.first { $0.name == "deploy" }
        #expect(deploy?.runs == 1)  // skipped runs are not counted
        #expect(deploy?.last == .skipped)
        #expect(health[1].passRate == 100)
        #expect(PipelineHealth.summarize(runs: [], outcomes: []).isEmpty)
    }

    @Test func theHealthPageShowsEachPipelineAndEscapesNames() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let record = Self.run("run-h1", .running, ms: nil, pipeline: "<ci>")
        try fixture.state.beginRun(record)
        try fixture.state.recordJobs([
            JobRecord(
                runID: "run-h1", name: "lint", jobID: "lint", status: .success, attempts: 2, startedAt: Date(),
                finishedAt: Date(), durationMs: 1500, cache: nil, reason: nil, outputs: "{}", attemptRecords: [])
        ])
        try fixture.state.finishRun(id: "run-h1", status: .success, finishedAt: Date(), durationMs: 1700)
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .seeOther) }
            let (cookie, _) = try await DashboardTests.signIn(client, token: fixture.tokens[.viewer] ?? "")
            let page = String(
                buffer: try await client.execute(uri: "/health", method: .get, headers: [.cookie: cookie]).body)
            #expect(page.contains("web / &lt;ci&gt;"), "\(page)")
            #expect(page.contains("<strong>100%</strong> of 1 finished runs passed"))
            #expect(page.contains("<td>lint</td><td>100%</td><td>1</td>"))
            #expect(!page.contains("<ci>"))
        }
    }
}
