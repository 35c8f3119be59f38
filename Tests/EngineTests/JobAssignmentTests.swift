import Foundation
import GantryCore
import GantryTestSupport
import Pipeline
import Processes
import Store
import Testing

@testable import Engine

/// The executor boundary: an assignment is self-contained. Encoded to JSON and decoded again (as an
/// agent on another host would receive it) it runs the same: steps, retries, outputs, masking.
@Suite struct JobAssignmentTests {
    struct Upper: BuiltinAction {
        static let name = "upper"
        static let inputs = ["text"]
        func run(_ invocation: ActionInvocation) async throws -> [String: String] {
            ["text": (invocation.with["text"] ?? "").uppercased()]
        }
    }

    @Test func anAssignmentSurvivesJSONAndRunsTheSame() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let definition = try PipelineParser.parse(
            text: """
                jobs:
                  build:
                    matrix: { os: [linux] }
                    env: { GREETING: hi }
                    secrets: [TOKEN]
                    outputs: { shout: "${{ steps.up.outputs.text }}", word: "${{ steps.s.outputs.word }}" }
                    retry: { max: 1, backoff: 10ms, on: [exit-code:3] }
                    steps:
                      - id: s
                        run: |
                          echo "word=$GREETING-${{ matrix.os }}" >> "$GANTRY_OUTPUT"
                          echo "token is $TOKEN"
                          if [ ! -f tried ]; then touch tried; exit 3; fi
                      - id: up
                        uses: gantry/upper
                        with: { text: "${{ steps.s.outputs.word }}" }
                """, file: "gantry.yml")
        let secret = "s3cr3t-value-42"  // gantry:allow-secret (a test fixture)
        let assignment = JobAssignment(
            run: .init(
                id: "20261129-000000-abcdef", correlation: "c-1", sha: nil, branch: nil, pipelineFile: "gantry.yml",
                pipelineDigest: definition.fileDigest, startedAt: Date(), uncommittedChanges: nil),
            name: "build (os=linux)", job: try #require(definition.jobs.first),
            context: [
                "env": .object(["GREETING": .string("hi")]), "matrix": .object(["os": .string("linux")]),
                "needs": .object([:]), "run": .object(["id": .string("20261129-000000-abcdef")]),
                "secrets": .object(["TOKEN": .string(secret)]),
            ],
            environment: ["GREETING": "hi"], secrets: ["TOKEN": secret],
            baseEnvironment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            workspace: directory.url.path, workingDirectory: directory.url.path,
            scratchDirectory: directory.url.path)

        let decoded = try JSONDecoder().decode(JobAssignment.self, from: try JSONEncoder().encode(assignment))
        #expect(decoded.job.retry == assignment.job.retry)
        #expect(decoded.job.outputs.map(\.0) == ["shout", "word"])
        #expect(decoded.job.steps.last?.with.map(\.1) == ["${{ steps.s.outputs.word }}"])
        // No secret leaks into the parts of the assignment that are not the secrets themselves.
        #expect(!String(decoding: try JSONEncoder().encode(decoded.job), as: UTF8.self).contains(secret))

        let executor = LocalJobExecutor(
            processes: ProcessRunner(), actions: ActionRegistry([Upper()]), masker: SecretMasker(secrets: [secret]),
            observer: SilentObserver())
        let logURL = directory.url.appendingPathComponent("build.jsonl")
        let log = JobLogWriter(url: logURL, run: decoded.run.id, correlation: "c-1", job: decoded.name)
        let report = await executor.execute(decoded, log: log, cancellation: CancellationFlag())
        log.close()
        #expect(report.status == .success, "\(report.reason ?? "")")
        #expect(report.attempts.map(\.status) == [.failure, .success])
        #expect(report.outputs == ["shout": "HI-LINUX", "word": "hi-linux"])
        let text = try String(contentsOf: logURL, encoding: .utf8)
        #expect(text.contains("token is ***"))
        #expect(!text.contains(secret))
    }
}
