import Foundation
import GantryTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `gantry proxy --env` and `gantry rollout` as a user drives them: a rollout held at a pause,
/// paused and resumed, aborted, retried and promoted; and the mistakes each command refuses.
@Suite(.serialized) struct RolloutCLITests {
    static let server = """
        import http.server, os
        VERSION = open("VERSION").read().strip()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def do_GET(self):
                body = f"version {VERSION}\\n".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """

    /// A project whose `prod` runs `app/` with the process driver behind a 30% canary held at a pause;
    /// returns it with the digests of 1.0.0 and 2.0.0.
    func project() throws -> (TemporaryDirectory, String, String) {
        let (directory, first) = try releaseProject(
            environments: """
                  prod:
                    deploy:
                      process: { command: python3 server.py, readiness: { http: /healthz }, drain: 1s }
                      timeout: 30s
                    strategy:
                      canary:
                        steps:
                          - setWeight: 30
                          - pause: {}
                """,
            files: ["app/VERSION": "1.0.0\n", "app/server.py": Self.server])
        try directory.write("app/VERSION", "2.0.0\n")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        let inspect = try GantryBinary.run(["artifact", "inspect", "web:v1", "--json"], in: directory.url)
        let second = try #require((inspect.stdoutJSON as? [String: Any])?["digest"] as? String)
        #expect(first != second)
        return (directory, first, second)
    }

    /// `gantry rollout status --json`'s `rollout` object, once `condition` holds (at most a minute).
    func rollout(in directory: URL, until condition: ([String: Any]) -> Bool) async throws -> [String: Any]? {
        var last: [String: Any]?
        for _ in 0..<300 {
            let status = try GantryBinary.run(["rollout", "status", "web", "--env", "prod", "--json"], in: directory)
            last = (status.stdoutJSON as? [String: Any])?["rollout"] as? [String: Any]
            if let last, condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    @Test func aRolloutIsHeldPausedResumedAbortedAndRetriedFromTheCommandLine() async throws {
        let (directory, first, second) = try project()
        defer { directory.remove() }
        let url = directory.url
        func gantry(_ arguments: String...) throws -> GantryBinary.Result { try GantryBinary.run(arguments, in: url) }

        // Nothing in progress yet: each request is refused, saying why.
        let early = try gantry("rollout", "promote", "web", "--env", "prod")
        #expect(early.status != 0)
        #expect(early.stderr.contains("no rollout of web is in progress in prod"), "\(early.stderr)")
        let noRetry = try gantry("rollout", "retry", "web", "--env", "prod")
        #expect(noRetry.status != 0)
        #expect(noRetry.stderr.contains("was not an aborted rollout: nothing to retry"), "\(noRetry.stderr)")
        let noHost = try gantry("promote", "web", "--to", "prod", "--digest", first)
        #expect(noHost.status == 2)
        #expect(noHost.stderr.contains("gantry proxy --env prod --app web"), "\(noHost.stderr)")

        let port = try freeLoopbackPort()
        let host = try BackgroundProcess(
            GantryBinary.path, ["proxy", "--env", "prod", "--app", "web", "--listen", "127.0.0.1:\(port)"],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"],
            log: url.appendingPathComponent("proxy.log"), currentDirectory: url)
        defer { host.stop() }
        #expect(host.firstLine()?.contains("listening on http://127.0.0.1:\(port) for web in prod") == true)
        #expect(try gantry("promote", "web", "--to", "prod", "--digest", first).status == 0)

        // 2.0.0 reaches its pause at 30%.
        let rolling = try startGantry(["promote", "web", "--to", "prod", "--digest", second], in: url)
        let held = try await rollout(in: url) { $0["phase"] as? String == "paused until promoted" }
        #expect(held?["step"] as? Int == 2 && held?["steps"] as? Int == 2, "\(String(describing: held))")
        let notPaused = try gantry("rollout", "resume", "web", "--env", "prod")
        #expect(notPaused.status != 0)
        #expect(notPaused.stderr.contains("is not paused"), "\(notPaused.stderr)")

        // Paused by hand: shown, and a second pause is refused.
        #expect(try gantry("rollout", "pause", "web", "--env", "prod").status == 0)
        let paused = try await rollout(in: url) { $0["paused"] as? Bool == true }
        #expect(paused?["paused"] as? Bool == true)
        let text = try gantry("rollout", "status", "web", "--env", "prod")
        #expect(text.stdout.contains("rollout at step 2/2: paused until promoted — PAUSED by"), "\(text.stdout)")
        let again = try gantry("rollout", "pause", "web", "--env", "prod")
        #expect(again.status != 0)
        #expect(again.stderr.contains("is already paused"), "\(again.stderr)")

        // Aborted: the promotion ends aborted, all traffic on 1.0.0.
        #expect(try gantry("rollout", "abort", "web", "--env", "prod").status == 0)
        rolling.waitUntilExit()
        #expect(rolling.terminationStatus == 1)
        let history = try gantry("history", "web", "--env", "prod", "--json")
        let latest = try #require((history.stdoutJSON as? [[String: Any]])?.first)
        #expect(latest["status"] as? String == "aborted", "\(latest)")
        #expect(try await Self.get(port) == "version 1.0.0\n")

        // Retried: cautious (15%), held at the pause again, then promoted past it.
        let retry = try startGantry(["rollout", "retry", "web", "--env", "prod"], in: url)
        let retried = try await rollout(in: url) { $0["phase"] as? String == "paused until promoted" }
        #expect(retried != nil)
        #expect(try gantry("rollout", "promote", "web", "--env", "prod").status == 0)
        retry.waitUntilExit()
        #expect(retry.terminationStatus == 0)
        let newest = try #require(
            (try gantry("history", "web", "--env", "prod", "--json").stdoutJSON as? [[String: Any]])?.first)
        #expect(newest["status"] as? String == "succeeded")
        #expect((newest["reason"] as? String)?.hasPrefix("retry of p-") == true, "\(newest)")
        #expect(try await Self.get(port) == "version 2.0.0\n")

        // The host killed: its releases died with it, and status no longer shows them ready.
        host.stop()
        var rows: [[String: Any]] = []
        for _ in 0..<100 {
            let status = try gantry("rollout", "status", "web", "--env", "prod", "--json")
            rows = ((status.stdoutJSON as? [String: Any])?["releases"] as? [[String: Any]]) ?? []
            if !rows.isEmpty, rows.allSatisfy({ $0["state"] as? String == "stopped" }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!rows.isEmpty && rows.allSatisfy { $0["state"] as? String == "stopped" }, "\(rows)")
        #expect(rows.allSatisfy { ($0["detail"] as? String)?.contains("the host is not running") == true })
    }

    /// Blue/green with a preview port: the new release answers on the preview port only, until
    /// `gantry rollout promote` switches all traffic to it.
    @Test func blueGreenServesThePreviewUntilPromoted() async throws {
        let preview = try freeLoopbackPort()
        let (directory, first) = try releaseProject(
            environments: """
                  prod:
                    deploy:
                      process: { command: python3 server.py, drain: 1s }
                      timeout: 30s
                    strategy:
                      blueGreen: { previewPort: \(preview), autoPromotionEnabled: false, scaleDownDelaySeconds: 2 }
                """,
            files: ["app/VERSION": "1.0.0\n", "app/server.py": Self.server])
        defer { directory.remove() }
        let url = directory.url
        try directory.write("app/VERSION", "2.0.0\n")
        #expect(try GantryBinary.run(["run"], in: url).status == 0)
        let inspect = try GantryBinary.run(["artifact", "inspect", "web:v1", "--json"], in: url)
        let second = try #require((inspect.stdoutJSON as? [String: Any])?["digest"] as? String)
        let port = try freeLoopbackPort()
        let host = try BackgroundProcess(
            GantryBinary.path, ["proxy", "--env", "prod", "--app", "web", "--listen", "127.0.0.1:\(port)"],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"],
            log: url.appendingPathComponent("proxy.log"), currentDirectory: url)
        defer { host.stop() }
        let line = host.firstLine() ?? ""
        #expect(line.contains("(preview on http://127.0.0.1:\(preview))"), "\(line)")
        #expect(try GantryBinary.run(["promote", "web", "--to", "prod", "--digest", first], in: url).status == 0)
        // No new release yet: the preview shows the active one.
        #expect(try await Self.get(preview) == "version 1.0.0\n")

        let rolling = try startGantry(["promote", "web", "--to", "prod", "--digest", second], in: url)
        _ = try await rollout(in: url) { $0["phase"] as? String == "paused until promoted" }
        #expect(try await Self.get(preview) == "version 2.0.0\n")
        for _ in 0..<5 { #expect(try await Self.get(port) == "version 1.0.0\n") }
        #expect(try GantryBinary.run(["rollout", "promote", "web", "--env", "prod"], in: url).status == 0)
        rolling.waitUntilExit()
        #expect(rolling.terminationStatus == 0)
        #expect(try await Self.get(port) == "version 2.0.0\n")
        #expect(try await Self.get(preview) == "version 2.0.0\n")
    }

    @Test func proxyMistakesAreRefusedBeforeAnythingStarts() throws {
        let (directory, _) = try releaseProject(
            environments: """
                  prod:
                    deploy: { process: { command: python3 server.py } }
                  staging:
                    deploy: ./deploy.sh
                """)
        defer { directory.remove() }
        let cases: [([String], String)] = [
            (["proxy", "--env", "prod", "--listen", "nowhere"], "--listen must be HOST:PORT (got 'nowhere')"),
            (["proxy", "--env", "prod", "--listen", "127.0.0.1:70000"], "a port from 0 to 65535"),
            (["proxy", "--env", "prod", "--admin", "9090"], "--admin must be HOST:PORT"),
            (["proxy", "--env", "nowhere"], "unknown environment 'nowhere'"),
            (["proxy", "--env", "staging"], "is not a 'process' driver"),
            (["proxy"], "pass --env ENV (host an environment's releases) or --upstream NAME=HOST:PORT, not both"),
            (["proxy", "--upstream", "a=127.0.0.1"], "--upstream a must be HOST:PORT (got '127.0.0.1')"),
            (["proxy", "--upstream", "127.0.0.1:80"], "--upstream expects NAME=HOST:PORT[@WEIGHT]"),
            (["proxy", "--upstream", "a=127.0.0.1:1@x"], "the weight after '@' must be a whole number"),
            (["proxy", "--env", "prod", "--threads", "0"], "--threads must be from 1 to 256"),
            (["proxy", "--env", "prod", "--sticky-cookie", "a b"], "--sticky-cookie must be a cookie name"),
            (["proxy", "--env", "prod", "--sticky-cookie", "café"], "--sticky-cookie must be a cookie name"),
            (["proxy", "--upstream", "a;b=127.0.0.1:1"], "--upstream a;b: the name may hold only letters, digits"),
            (["rollout", "pause", "web"], "Missing expected argument '--env <env>'"),
        ]
        for (arguments, message) in cases {
            let result = try GantryBinary.run(arguments, in: directory.url)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Nothing claimed the environment on the way.
        let status = try GantryBinary.run(["rollout", "status", "web", "--env", "prod"], in: directory.url)
        #expect(status.stdout.contains("host: none"), "\(status.stdout)")
    }

    static func get(_ port: Int) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/")!)
        return String(decoding: data, as: UTF8.self)
    }
}
