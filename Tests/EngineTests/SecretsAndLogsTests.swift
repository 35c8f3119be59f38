import Foundation
import GantryCore
import Testing

@testable import Engine

@Suite struct SecretsAndLogsTests {
    let token = "tok-9f8e7d6c5b4a"  // gantry:allow-secret (a test fixture)

    @Test func secretsAreMaskedInLogsOutputsAndRecords() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              deploy:
                secrets: [API_TOKEN]
                outputs:
                  leaked: ${{ steps.s.outputs.value }}
                steps:
                  - id: s
                    run: |
                      echo "plain $API_TOKEN"
                      printf '%s' "$API_TOKEN" | base64
                      echo "json {\\"t\\":\\"$API_TOKEN\\"}"
                      printf 'split %s' "${API_TOKEN:0:6}"; sleep 0.1; printf '%s\\n' "${API_TOKEN:6}"
                      echo "value=$API_TOKEN" >> "$GANTRY_OUTPUT"
                      echo "also ${{ secrets.API_TOKEN }}" >&2
              other:
                steps:
                  - run: echo "other sees '${API_TOKEN:-nothing}'"
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.secrets = ["API_TOKEN": token] }
        #expect(result.status == .success)
        let lines = try harness.lines(result, job: "deploy")
        #expect(lines == ["plain ***", "***", "json {\"t\":\"***\"}", "split ***", "also ***"])
        #expect(result.job("deploy")?.outputs == ["leaked": "***"])
        #expect(try harness.lines(result, job: "other") == ["other sees 'nothing'"])
        let logText = try String(
            contentsOf: URL(fileURLWithPath: result.logDirectory).appendingPathComponent("deploy.jsonl"),
            encoding: .utf8)
        #expect(!logText.contains(token))
        let stored = try harness.store().jobs(runID: result.runID)
        #expect(!stored.contains { $0.outputs.contains(token) || ($0.reason ?? "").contains(token) })
    }

    @Test func secretInAnErrorMessageIsMasked() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                secrets: [API_TOKEN]
                working-directory: ${{ secrets.API_TOKEN }}
                steps: [{ run: echo hi }]
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.secrets = ["API_TOKEN": token] }
        let reason = try #require(result.job("a")?.reason)
        #expect(reason.contains("does not exist"))
        #expect(!reason.contains(token))
        #expect(reason.contains("***"))
    }

    @Test func missingSecretIsAnInputErrorBeforeAnythingRuns() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                secrets: [API_TOKEN]
                steps: [{ run: touch ran }]
            """)
        defer { harness.remove() }
        let error = await #expect(throws: MaskedError.self) { try await harness.run() }
        #expect(error?.exitStatus == .inputError)
        #expect(error?.description.contains("job 'a' needs secret 'API_TOKEN'") == true)
        #expect(!FileManager.default.fileExists(atPath: harness.directory.url.appendingPathComponent("ran").path))
        #expect(!FileManager.default.fileExists(atPath: harness.state.appendingPathComponent("state.db").path))
    }

    @Test func logsHaveStructuredFieldsAndSurviveInvalidUTF8() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                steps:
                  - name: bytes
                    run: printf 'ok\\n\\xff\\xfe broken\\n' && printf 'tab\\there\\n' >&2
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        let records = try harness.log(result, job: "a")
        let lines = records.filter { $0["line"] != nil }
        #expect(lines.count == 3)
        #expect(lines[1]["line"] as? String == "\u{FFFD}\u{FFFD} broken")
        #expect(lines.contains { $0["stream"] as? String == "stderr" && $0["line"] as? String == "tab\there" })
        for line in lines {
            for key in ["ts", "run", "correlation", "job", "step", "attempt", "stream", "line"] {
                #expect(line[key] != nil, "missing \(key)")
            }
            #expect(line["run"] as? String == result.runID)
            #expect(line["correlation"] as? String == result.correlation)
            #expect(line["step"] as? String == "bytes")
        }
        let events = records.compactMap { $0["event"] as? String }
        #expect(events == ["job_start", "step_start", "step_end", "job_end"])
        #expect(records.first { $0["event"] as? String == "step_end" }?["exit_code"] as? Int == 0)
    }

    @Test func heavyOutputKeepsEveryLineInOrderBeforeTheEndEvents() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              loud:
                secrets: [API_TOKEN]
                steps:
                  - run: seq 1 200000 | sed "s/$/ $API_TOKEN/"
                  - run: echo after
            """)
        defer { harness.remove() }
        let result = try await harness.run { $0.secrets = ["API_TOKEN": token] }
        #expect(result.status == .success)
        let records = try harness.log(result, job: "loud")
        let lines = records.compactMap { $0["line"] as? String }
        #expect(lines.count == 200_001)
        #expect(lines.first == "1 ***")
        #expect(lines[199_999] == "200000 ***")
        #expect(lines.last == "after")
        #expect(zip(lines.dropLast(), 1...).allSatisfy { $0.0 == "\($0.1) ***" })
        // Events stay in order around the queued lines.
        let events = records.compactMap { $0["event"] as? String }
        #expect(events == ["job_start", "step_start", "step_end", "step_start", "step_end", "job_end"])
        let firstStepEnd = try #require(records.firstIndex { $0["event"] as? String == "step_end" })
        #expect(records[firstStepEnd - 1]["line"] as? String == "200000 ***")
    }

    @Test func unreadableWorkingDirectoryFailsTheJobClearly() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              missing:
                working-directory: does-not-exist
                steps: [{ run: echo hi }]
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.job("missing")?.status == .failure)
        #expect(result.job("missing")?.reason?.contains("working-directory 'does-not-exist' does not exist") == true)
        // The unreadable-directory case is checked as an unprivileged user in ErrorMessageCLITests
        // (root enters any directory).
    }
}

/// A quiet job leaves no log file; one that prints, or is retried, does.
@Suite struct QuietJobLogTests {
    @Test func onlyJobsWithSomethingToSayGetALogFile() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              quiet:
                steps: [{ run: "true" }, { run: "exit 0" }]
              talks:
                steps: [{ run: echo hello }]
              retried:
                retry: { max: 1, backoff: 10ms }
                steps:
                  - run: test -f tried || { touch tried; exit 1; }
            """)
        defer { harness.remove() }
        let result = try await harness.run()
        #expect(result.statuses == ["quiet": .success, "talks": .success, "retried": .success])
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: result.logDirectory))
        #expect(files == ["talks.jsonl", "retried.jsonl"])
        #expect(try harness.log(result, job: "retried").contains { $0["event"] as? String == "retry" })
        // The quiet job's steps are in the run's record all the same.
        let quiet = try #require(try harness.store().jobs(runID: result.runID).first { $0.name == "quiet" })
        #expect(quiet.attemptRecords.first?.steps.map(\.exitCode) == [0, 0])
    }
}
