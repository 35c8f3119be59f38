import Artifacts
import Attestation
import Foundation
import GantryCore
import GantryTestSupport
import Pipeline
import Proxy
import Release
import Serving
import Store
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The `process` deploy driver with its host (`gantry proxy --env`) in this process: Python releases
/// started on loopback ports, traffic switched by promotions, rollbacks, restarts.
@Suite(.serialized) struct ProcessDriverTests {
    static let server = #"""
        import http.server, os, time
        version = open("VERSION").read().strip()
        print("starting with DB_PASSWORD=" + os.environ.get("DB_PASSWORD", "unset"), flush=True)
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # one write per response: no Nagle/delayed-ACK stalls
            def log_message(self, *args): pass
            count = 0
            def do_GET(self):
                if self.path == "/crash": os._exit(3)
                Handler.count += 1
                healthy = not (self.path == "/healthz" and os.path.exists("UNHEALTHY"))
                # ERRORS: every Nth request fails; SLOW: each request takes this many seconds.
                if os.path.exists("ERRORS") and self.path != "/healthz":
                    healthy = Handler.count % int(open("ERRORS").read()) != 0
                if os.path.exists("SLOW") and self.path != "/healthz": time.sleep(float(open("SLOW").read()))
                body = f"version {version}\n".encode()
                self.send_response(200 if healthy else 500)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    /// prod runs `server.py` releases; `strategy` (YAML under `prod:`) adds a rollout strategy.
    static func pipeline(strategy: String = "", drain: String = "2s") -> String {
        """
        jobs:
          build:
            steps: [{ run: "true" }]
        environments:
          prod:
            deploy:
              process:
                command: python3 server.py
                readiness: { http: /healthz }
                drain: \(drain)
                stop_grace: 2s
              timeout: 30s
        \(strategy)
        """
    }

    /// A project, its state, a host and its proxy.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let key = SigningKey()
        let state: StateStore
        let artifacts: ArtifactStore
        let pipeline: PipelineDefinition
        let proxy: ReverseProxy
        let host: EnvironmentHost
        let port: Int
        let hosting = Mutex<Task<Void, Never>?>(nil)

        init(pipeline text: String = ProcessDriverTests.pipeline(), secrets: [String: String] = [:]) async throws {
            directory = try TemporaryDirectory(prefix: "gantry-serving")
            let stateURL = directory.url.appendingPathComponent(".gantry")
            state = try StateStore(directory: stateURL)
            artifacts = try ArtifactStore(stateDirectory: stateURL)
            pipeline = try PipelineParser.parse(
                text: text, file: directory.url.appendingPathComponent("gantry.yml").path)
            guard case .process(let definition) = pipeline.environment("prod")?.deploy?.driver else {
                throw TestSupportError("no process driver")
            }
            let routes = RouteTable()
            proxy = ReverseProxy(routes: routes, threads: 1)
            port = try await proxy.listen(host: "127.0.0.1", port: 0)
            host = EnvironmentHost(
                app: "web", environment: "prod", definition: definition, state: SQLiteRepositories(store: state),
                heartbeat: { [state] in try state.beat($0) }, artifacts: artifacts,
                stateDirectory: stateURL, baseEnvironment: ProcessInfo.processInfo.environment, routes: routes,
                listen: "127.0.0.1:\(port)", secrets: secrets)
        }

        func startHost() throws {
            try host.claim()
            let host = self.host
            hosting.withLock { $0 = Task { await host.run { _ in } } }
        }

        func stopHost() async {
            let task = hosting.withLock { $0 }
            task?.cancel()
            await task?.value
        }

        /// Packs a release answering "version `version`" and signs it; returns its digest.
        func pack(_ version: String, unhealthy: Bool = false, files: [String: String] = [:]) throws -> Digest {
            let source = directory.url.appendingPathComponent("src-\(version)")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            try Data(ProcessDriverTests.server.utf8).write(to: source.appendingPathComponent("server.py"))
            try Data((version + "\n").utf8).write(to: source.appendingPathComponent("VERSION"))
            if unhealthy { try Data().write(to: source.appendingPathComponent("UNHEALTHY")) }
            for (name, content) in files { try Data(content.utf8).write(to: source.appendingPathComponent(name)) }
            let packed = try artifacts.pack(source, app: "web", tag: version)
            _ = try Attestor(store: artifacts, key: key).attest(
                packed, directory: source,
                context: BuildContext(
                    app: "web", tag: version, invocationID: version, startedOn: Date(), finishedOn: Date()),
                timestamp: 0)
            return packed.digest
        }

        /// `lines` collects what the promotion says.
        func promoter(lines: Lines? = nil) -> Promoter {
            Promoter(
                context: ReleaseContext(
                    pipeline: pipeline, state: SQLiteRepositories(store: state), artifacts: artifacts,
                    keys: [key.publicKey],
                    actor: "dana",
                    stateDirectory: directory.url.appendingPathComponent(".gantry"), workingDirectory: directory.url,
                    reporter: ReleaseReporter(line: { lines?.append($0) }, commandOutput: { _, _ in })))
        }

        func get(_ path: String = "/") async throws -> (status: Int, body: String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 10)
            request.httpMethod = "GET"
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        func shutdown() async {
            await stopHost()
            await proxy.shutdown()
            directory.remove()
        }
    }

    @Test func promotionsSwitchTrafficWithoutDroppingARequestAndRollBackAtOnce() async throws {
        // A long drain, so a slow machine still rolls back while 1.0.0 drains.
        let fixture = try await Fixture(pipeline: ProcessDriverTests.pipeline(drain: "15s"))
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        let two = try fixture.pack("2.0.0")
        let first = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        #expect(first.promotion.status == .succeeded)
        #expect(try await fixture.get().body == "version 1.0.0\n")
        // Clients keep asking while 2.0.0 replaces 1.0.0: every request gets an answer.
        let (tally, clients) = Tally.start(fixture)
        try await Task.sleep(for: .milliseconds(300))
        let second = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(two.description))
        try await Task.sleep(for: .milliseconds(300))
        let seen = await tally.stop(clients)
        #expect(second.promotion.status == .succeeded)
        #expect(Set(seen.keys) == ["version 1.0.0\n", "version 2.0.0\n"], "\(seen)")
        #expect(try await fixture.get().body == "version 2.0.0\n")
        // 1.0.0 drains: a rollback now finds it running and switches back to that very process
        // (same port) instead of starting a new one.
        let draining = try fixture.state.releaseInstances(app: "web", environment: "prod")
            .first { $0.digest == one }
        #expect(draining?.role == .retired)
        #expect(draining?.state == .ready)
        let rollback = try await fixture.promoter().rollback(
            app: "web", environment: "prod", to: nil, reason: "test", force: false)
        #expect(rollback.promotion.status == .succeeded)
        #expect(try await fixture.get().body == "version 1.0.0\n")
        let restored = try fixture.state.releaseInstances(app: "web", environment: "prod").first { $0.digest == one }
        #expect(restored?.role == .stable)
        #expect(restored?.port != nil && restored?.port == draining?.port)
        // After its drain, 2.0.0 is stopped and forgotten.
        var instances: [ReleaseInstance] = []
        for _ in 0..<120 {
            instances = try fixture.state.releaseInstances(app: "web", environment: "prod")
            if instances.count == 1 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(instances.map(\.digest) == [one])
        #expect(instances.first?.role == .stable)
        await fixture.shutdown()
    }

    /// Lines a promotion printed.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// What concurrent clients got.
    final class Tally: Sendable {
        let stopped = Mutex(false)
        let seen = Mutex<[String: Int]>([:])

        /// `count` clients asking `fixture` until `stop()`.
        static func start(_ fixture: Fixture, clients count: Int = 4) -> (Tally, [Task<Void, Never>]) {
            let tally = Tally()
            let clients = (0..<count).map { _ in
                Task {
                    while !tally.stopped.withLock({ $0 }) {
                        let answer = try? await fixture.get()
                        let key = answer.map { $0.status == 200 ? $0.body : "HTTP \($0.status)" } ?? "no answer"
                        tally.seen.withLock { $0[key, default: 0] += 1 }
                    }
                }
            }
            return (tally, clients)
        }

        func stop(_ clients: [Task<Void, Never>]) async -> [String: Int] {
            stopped.withLock { $0 = true }
            for client in clients { await client.value }
            return seen.withLock { $0 }
        }
    }

    @Test func aReleaseThatNeverBecomesReadyIsNotGivenTrafficAndIsRolledBack() async throws {
        let fixture = try await Fixture()
        try fixture.startHost()
        let good = try fixture.pack("1.0.0")
        let bad = try fixture.pack("2.0.0", unhealthy: true)
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(good.description))
        await #expect(throws: ReleaseError.self) {
            _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(bad.description))
        }
        #expect(try fixture.state.promotions().first?.status == .rolledBack)
        #expect(try fixture.state.promotions().first?.detail.contains("did not become ready") == true)
        // Traffic never left the good release.
        #expect(try await fixture.get().body == "version 1.0.0\n")
        #expect(fixture.host.routes.routes.backends.map(\.name) == [good.short])
        await fixture.shutdown()
    }

    /// The environment's secrets reach its releases (from the host, not the promotion) and are masked
    /// in their logs.
    @Test func releasesGetTheHostsSecretsMaskedInTheirLogs() async throws {
        let fixture = try await Fixture(
            pipeline: Self.pipeline(strategy: "    secrets: [DB_PASSWORD]"), secrets: ["DB_PASSWORD": "db-pass-9Xq4e"])
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        // The promotion itself needs no secret: the host holds them.
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        let log = fixture.directory.url.appendingPathComponent(".gantry/logs/releases/web-prod-\(one.short).log")
        var text = ""
        for _ in 0..<50 where !text.contains("starting with") {
            try await Task.sleep(for: .milliseconds(100))
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("starting with DB_PASSWORD=***"), "\(text)")
        #expect(!text.contains("db-pass-9Xq4e"))
        await fixture.shutdown()
    }

    /// A release the host cannot start (here: no such artifact) is reported failed, with why, at once.
    @Test func aReleaseThatCannotStartIsReportedWithItsReason() async throws {
        let fixture = try await Fixture()
        try fixture.startHost()
        let missing = Digest.sha256("no such release")
        try fixture.state.wantCanary(app: "web", environment: "prod", digest: missing, weight: 0)
        var instance: ReleaseInstance?
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(100))
            instance = try fixture.state.releaseInstances(app: "web", environment: "prod").first
            if instance?.state == .failed { break }
        }
        #expect(instance?.state == .failed)
        #expect(instance?.detail.hasPrefix("cannot start:") == true, "\(instance?.detail ?? "")")
        await fixture.shutdown()
    }

    @Test func aReleaseThatExitsIsRestarted() async throws {
        let fixture = try await Fixture()
        try fixture.startHost()
        let one = try fixture.pack("1.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        let before = try #require(try fixture.state.releaseInstances(app: "web", environment: "prod").first?.port)
        _ = try? await fixture.get("/crash")
        // Restarted after a 1 s backoff on a new port, ready, routed again.
        var answer: (status: Int, body: String)?
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(200))
            answer = try? await fixture.get()
            if answer?.status == 200 { break }
        }
        #expect(answer?.body == "version 1.0.0\n")
        let instance = try #require(try fixture.state.releaseInstances(app: "web", environment: "prod").first)
        #expect(instance.state == .ready)
        #expect(instance.port != nil && instance.port != before)
        await fixture.shutdown()
    }

    @Test func withoutAHostNothingIsRecordedAndStoppingTheHostStopsItsReleases() async throws {
        let fixture = try await Fixture()
        let one = try fixture.pack("1.0.0")
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
            Issue.record("expected an error")
        } catch let error as ReleaseError {
            #expect(error.exitStatus == .inputError)
            #expect("\(error)".hasPrefix("no gantry proxy hosts web in prod (no gantry proxy has claimed it)"))
        }
        #expect(try fixture.state.promotions().isEmpty)
        try fixture.startHost()
        _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(one.description))
        let port = try #require(try fixture.state.releaseInstances(app: "web", environment: "prod").first?.port)
        await fixture.stopHost()
        // The release died with its host: nothing listens on its port any more.
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected != 0)
        #expect(try fixture.state.environmentHost(app: "web", environment: "prod") == nil)
        await fixture.shutdown()
    }
}
