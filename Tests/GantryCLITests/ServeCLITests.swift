import Foundation
import GantryTestSupport
import Testing

/// `gantry tokens` and `gantry serve` as a user runs them: a token printed once, the demo server on
/// the current repository, secrets out of /proc, and SIGTERM ending it with status 0.
@Suite struct ServeCLITests {
    @Test func tokensArePrintedOnceAloneOnTheLastLineAndListedWithoutSecrets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.url.appendingPathComponent("data").path
        let created = try GantryBinary.run(
            ["tokens", "create", "--user", "alice", "--role", "releaser", "--expires", "30d", "--data", data],
            in: directory.url)
        #expect(created.status == 0, "\(created.stderr)")
        let lines = created.stdout.split(separator: "\n")
        let token = try #require(lines.last.map(String.init))
        #expect(lines.count == 1)
        #expect(token.hasPrefix("gantry_") && token.count == 55)
        #expect(created.stderr.contains("for alice (releaser)"))

        let listed = try GantryBinary.run(["tokens", "list", "--json", "--data", data], in: directory.url)
        #expect(listed.status == 0)
        #expect(!listed.stdout.contains(token))
        let entries = try #require(listed.stdoutJSON as? [[String: Any]])
        let id = try #require(entries.first?["id"] as? String)
        #expect(entries.first?["active"] as? Bool == true)

        let bad = try GantryBinary.run(["tokens", "create", "--user", "bob", "--role", "releasor"], in: directory.url)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("did you mean 'releaser'"))

        #expect(try GantryBinary.run(["tokens", "revoke", id, "--data", data], in: directory.url).status == 0)
        let again = try GantryBinary.run(["tokens", "revoke", id, "--data", data], in: directory.url)
        #expect(again.status == 2)
        #expect(again.stderr.contains("no active token"))
    }

    @Test func theDemoServerRunsAQueuedCommitKeepsSecretsOutOfProcAndStopsOnSIGTERM() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            name: demo
            jobs:
              build:
                secrets: [DEPLOY_TOKEN]
                steps:
                  - run: echo "token is $DEPLOY_TOKEN"
            """)
        try runChecked("git", ["init", "-q", "-b", "main"], in: directory.url)
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"],
            in: directory.url)
        try runChecked("git", ["add", "gantry.yml"], in: directory.url)
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "pipeline"],
            in: directory.url)
        let commit = try runChecked("git", ["rev-parse", "HEAD"], in: directory.url)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let token = try GantryBinary.run(
            ["tokens", "create", "--user", "dev", "--role", "developer"], in: directory.url
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let webhookSecret = "webhook-secret-value-41"  // gantry:allow-secret (a test fixture)
        let runSecret = "deploy-secret-value-42"  // gantry:allow-secret (a test fixture)
        let server = try BackgroundProcess(
            GantryBinary.path, ["serve", "--addr", "127.0.0.1:0"],
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true",
                "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root",
                "GANTRY_WEBHOOK_SECRET": webhookSecret, "GANTRY_SECRET_DEPLOY_TOKEN": runSecret,
            ], log: directory.url.appendingPathComponent("server.log"), currentDirectory: directory.url)
        defer { server.stop() }
        let line = try #require(server.firstLine())
        let url = try #require(line.components(separatedBy: "listening on ").last)
        #expect(url.hasPrefix("http://127.0.0.1:"))

        let environ = try String(
            decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(server.process.processIdentifier)/environ")),
            as: UTF8.self)
        #expect(!environ.contains(webhookSecret))
        #expect(!environ.contains(runSecret))

        let projects = try runChecked(
            "curl", ["-sS", "-H", "Authorization: Bearer \(token)", "\(url)/api/v1/projects"])
        let project = try #require(
            ((try JSONSerialization.jsonObject(with: Data(projects.utf8)) as? [String: Any])?["projects"]
                as? [[String: Any]])?.first?["name"] as? String)
        #expect(project.hasPrefix("gantry-test-"))
        let queued = try runChecked(
            "curl",
            [
                "-sS", "-X", "POST", "-H", "Authorization: Bearer \(token)", "-d",
                #"{"project":"\#(project)","commit":"\#(commit)"}"#, "\(url)/api/v1/runs",
            ])
        let queueID = try #require(
            (try JSONSerialization.jsonObject(with: Data(queued.utf8)) as? [String: Any])?["id"] as? String, "\(queued)"
        )
        var entry: [String: Any] = [:]
        for _ in 0..<600 {
            let text = try runChecked(
                "curl", ["-sS", "-H", "Authorization: Bearer \(token)", "\(url)/api/v1/queue/\(queueID)"])
            entry = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
            if let status = entry["status"] as? String, !["queued", "started"].contains(status) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(entry["status"] as? String == "finished", "\(entry)")
        let runID = try #require(entry["run_id"] as? String)
        let log = try directory.read(".gantry/logs/\(runID)/build.jsonl")
        #expect(log.contains("token is ***"))
        #expect(!log.contains(runSecret))

        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        let serverLog = try directory.read("server.log")
        #expect(!serverLog.contains(runSecret) && !serverLog.contains(webhookSecret))
    }
}
