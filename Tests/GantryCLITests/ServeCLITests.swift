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

    /// SIGTERM while a run's step is running and a dashboard follows its live output: the socket does
    /// not hold the drain, the step gets the grace period and is then stopped, the run is recorded
    /// cancelled, nothing of it is left, and the server exits 0.
    @Test func sigtermStopsARunningStepAfterTheGraceEvenWithALiveViewOpen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let marker = "gantry-shutdown-step-\(UUID().uuidString.prefix(8))"
        try directory.write(
            "repo/gantry.yml",
            "name: slow\njobs:\n  slow:\n    steps:\n      - run: echo started; exec -a \(marker) sleep 300\n")
        let repository = directory.url.appendingPathComponent("repo")
        try runChecked("git", ["init", "-q", "-b", "main"], in: repository)
        try runChecked("git", ["add", "."], in: repository)
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "x"], in: repository)
        let commit = try runChecked("git", ["rev-parse", "HEAD"], in: repository)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try directory.write(
            "server.yml", "shutdown_grace: 2s\nprojects:\n  - name: slow\n    repository: \(repository.path)\n")
        let data = directory.url.appendingPathComponent("data").path
        func token(_ role: String) throws -> String {
            try GantryBinary.run(
                ["tokens", "create", "--user", role, "--role", role, "--data", data], in: directory.url
            )
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let developer = try token("developer")
        let releaser = try token("releaser")
        let server = try BackgroundProcess(
            GantryBinary.path,
            [
                "serve", "--addr", "127.0.0.1:0", "--data", data, "--config",
                directory.url.appendingPathComponent("server.yml").path,
            ],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"],
            log: directory.url.appendingPathComponent("server.log"), currentDirectory: directory.url)
        defer { server.stop() }
        let url = try #require(server.firstLine()?.components(separatedBy: "listening on ").last)
        let queued = try runChecked(
            "curl",
            [
                "-sS", "-X", "POST", "-H", "Authorization: Bearer \(developer)", "-d",
                #"{"project":"slow","commit":"\#(commit)"}"#, "\(url)/api/v1/runs",
            ])
        let queueID = try #require(
            (try JSONSerialization.jsonObject(with: Data(queued.utf8)) as? [String: Any])?["id"] as? String)
        var runID = ""
        for _ in 0..<300 where runID.isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
            let entry = try runChecked(
                "curl", ["-sS", "-H", "Authorization: Bearer \(developer)", "\(url)/api/v1/queue/\(queueID)"])
            runID =
                ((try JSONSerialization.jsonObject(with: Data(entry.utf8)) as? [String: Any])?["run_id"] as? String)
                ?? ""
        }
        #expect(!runID.isEmpty)
        for _ in 0..<300 where (try? runChecked("pgrep", ["-f", marker])) == nil { Thread.sleep(forTimeInterval: 0.05) }
        // A signed-in dashboard follows the run's live output.
        let headers = try runChecked(
            "curl",
            [
                "-sS", "-o", "/dev/null", "-D", "-", "-X", "POST", "--data-urlencode", "token=\(releaser)",
                "\(url)/login",
            ])
        let cookie = try #require(
            headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }
                .map {
                    String($0.dropFirst("set-cookie:".count).split(separator: ";")[0]).trimmingCharacters(
                        in: .whitespaces)
                })
        let host = url.replacingOccurrences(of: "http://", with: "")
        let socket = Process()
        socket.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        socket.arguments = [
            "curl", "-s", "-N", "--max-time", "120", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
            "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "-H", "Origin: http://\(host)", "-H", "Cookie: \(cookie)", "\(url)/runs/\(runID)/live",
        ]
        socket.standardOutput = FileHandle.nullDevice
        socket.standardError = FileHandle.nullDevice
        try socket.run()
        defer { socket.terminate() }
        Thread.sleep(forTimeInterval: 0.5)

        let started = Date()
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        // The step sleeps 300 s: the server ended because it stopped it after the 2 s grace.
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(server.process.terminationStatus == 0)
        #expect((try? runChecked("pgrep", ["-f", marker])) == nil, "the step outlived the server")
        let runs = try GantryBinary.run(
            ["runs", "list", "--json"], in: directory.url, environment: ["GANTRY_HOME": data])
        let run = (runs.stdoutJSON as? [[String: Any]])?.first { $0["run"] as? String == runID }
        #expect(run?["status"] as? String == "cancelled")
    }
}
