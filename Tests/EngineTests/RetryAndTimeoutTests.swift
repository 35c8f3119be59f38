import Foundation
import GantryTestSupport
import Processes
import Testing

@testable import Engine

@Suite struct RetryAndTimeoutTests {
    @Test func retrySucceedsOnALaterAttempt() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              flaky:
                retry: { max: 3, backoff: 10ms }
                steps:
                  - run: |
                      n=$(cat "$GANTRY_WORKSPACE/count" 2>/dev/null || echo 0)
                      echo $((n + 1)) > "$GANTRY_WORKSPACE/count"
                      [ "$n" -ge 1 ]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .success)
        #expect(result.job("flaky")?.attempts == 2)
        #expect(result.job("flaky")?.retried == true)
        let record = try #require(try harness.store().jobs(runID: result.runID).first)
        #expect(record.attemptRecords.map(\.status) == [.failure, .success])
        #expect(try harness.log(result, job: "flaky").contains { $0["event"] as? String == "retry" })
    }

    @Test func exhaustedRetriesHaveTheirOwnStatus() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              always-fails:
                retry: { max: 2, backoff: 10ms }
                steps: [{ run: "exit 1" }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .failure)
        #expect(result.job("always-fails")?.status == .retriesExhausted)
        #expect(result.job("always-fails")?.attempts == 3)
    }

    @Test func retryOnlyOnListedExitCodes() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              wrong-code:
                retry: { max: 3, backoff: 10ms, on: ["exit-code:75"] }
                steps: [{ run: "exit 1" }]
              right-code:
                retry: { max: 1, backoff: 10ms, on: ["exit-code:75"] }
                steps: [{ run: "exit 75" }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.job("wrong-code")?.status == .failure)
        #expect(result.job("wrong-code")?.attempts == 1)
        #expect(result.job("right-code")?.status == .retriesExhausted)
        #expect(result.job("right-code")?.attempts == 2)
    }

    @Test func stepThatNeverEndsTimesOut() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              hangs:
                timeout: 1s
                steps:
                  - run: echo start
                  - run: sleep 600
              step-limit:
                steps:
                  - timeout: 300ms
                    run: sleep 600
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.status == .failure)
        #expect(result.job("hangs")?.status == .timedOut)
        #expect(result.job("hangs")?.reason?.contains("job timeout") == true)
        #expect(result.job("step-limit")?.status == .timedOut)
        #expect(result.job("step-limit")?.reason?.contains("step timeout") == true)
    }

    @Test func cancellationMarksTheRunAndJobsCancelled() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              long:
                steps: [{ run: sleep 600 }]
              later:
                needs: long
                steps: [{ run: echo never }]
            """)
        defer { harness.remove() }
        let flag = CancellationFlag()
        after(seconds: 0.5) { flag.cancel() }
        let result = try await harness.run(cancellation: flag)
        #expect(result.status == .cancelled)
        #expect(result.statuses == ["long": .cancelled, "later": .cancelled])
        #expect(try harness.store().run(matching: result.runID)?.status == .cancelled)
    }
}

@Suite struct CancellationBeforeStepsTests {
    @Test func jobsThatDidNotRunTheirStepsAreCancelledNotSuccessful() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              plain:
                steps: [{ run: echo never }]
              cleanup:
                if: always()
                steps:
                  - if: always()
                    run: echo cleaning up
                  - run: echo skipped because cancelled
            """)
        defer { harness.remove() }
        let flag = CancellationFlag()
        flag.cancel()  // cancelled before anything starts
        let result = try await harness.run(cancellation: flag)
        #expect(result.status == .cancelled)
        #expect(result.job("plain")?.status == .cancelled)
        // always() jobs and steps still run on cancellation; the job did not complete, so it is cancelled.
        #expect(try harness.lines(result, job: "cleanup") == ["cleaning up"])
        #expect(result.job("cleanup")?.status == .cancelled)
    }
}
