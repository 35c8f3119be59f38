import Foundation
import GantryCore
import GantryTestSupport
import Pipeline
import Release
import Testing

/// A real HTTP server on 127.0.0.1 (Python's http.server on a free port): `/healthz` answers 200,
/// `/broken` 503, `/slow` answers after 3 s.
final class LocalHTTPServer {
    let server: BackgroundProcess
    let port: Int

    init() throws {
        let script = """
            import http.server, sys, time
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == "/slow": time.sleep(3)
                    code = {"/healthz": 200, "/slow": 200}.get(self.path, 503)
                    self.send_response(code); self.send_header("Content-Length", "2"); self.end_headers()
                    self.wfile.write(b"ok")
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        server = try BackgroundProcess("/usr/bin/env", ["python3", "-c", script])
        guard let line = server.firstLine(), let port = Int(line) else {
            server.stop()
            throw TestSupportError("the test HTTP server did not start")
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() { server.stop() }
}

@Suite struct HealthCheckTests {
    func checker(_ directory: TemporaryDirectory) -> HealthChecker {
        HealthChecker(commands: CommandRunner(workingDirectory: directory.url, output: { _, _ in }), progress: { _ in })
    }

    func environment(_ directory: TemporaryDirectory) -> DeployEnvironment {
        DeployEnvironment(
            app: "web", digest: Digest.sha256("1"), environment: "dev", artifactDirectory: directory.url,
            previousDigest: nil,
            promotionID: "p-1")
    }

    @Test func httpChecksPassOn2xxAndFailOtherwise() async throws {
        let server = try LocalHTTPServer()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let healthy = await checker(directory).check(
            HealthCheckDefinition(probe: .http(server.url("/healthz")), retries: 0), environment: environment(directory)
        )
        #expect(healthy.passed)
        #expect(healthy.detail.contains("→ 200"))

        let broken = await checker(directory).check(
            HealthCheckDefinition(probe: .http(server.url("/broken")), interval: .milliseconds(50), retries: 2),
            environment: environment(directory))
        #expect(!broken.passed)
        #expect(broken.attempts == 3)
        #expect(broken.detail.contains("→ 503"))

        let slow = await checker(directory).check(
            HealthCheckDefinition(probe: .http(server.url("/slow")), timeout: .seconds(1), retries: 0),
            environment: environment(directory))
        #expect(!slow.passed)
        #expect(slow.detail.contains("no answer within 1s"))
    }

    @Test func aServerThatIsNotThereFails() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A port that was free a moment ago: bind, read it, close.
        let server = try LocalHTTPServer()
        let port = server.port
        server.stop()
        let result = await checker(directory).check(
            HealthCheckDefinition(probe: .http("http://127.0.0.1:\(port)/healthz"), retries: 0),
            environment: environment(directory))
        #expect(!result.passed)
        #expect(result.detail.hasPrefix("GET http://127.0.0.1:\(port)/healthz:"))
    }

    @Test func commandChecksSeeTheDeployVariablesAndAreStoppedAtTheTimeout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sees = await checker(directory).check(
            HealthCheckDefinition(probe: .command(#"[ "$GANTRY_APP/$GANTRY_ENV" = web/dev ]"#), retries: 0),
            environment: environment(directory))
        #expect(sees.passed)
        let hangs = await checker(directory).check(
            HealthCheckDefinition(probe: .command("sleep 30"), timeout: .milliseconds(300), retries: 0),
            environment: environment(directory))
        #expect(!hangs.passed)
        #expect(hangs.detail.contains("timed out"))
    }
}
