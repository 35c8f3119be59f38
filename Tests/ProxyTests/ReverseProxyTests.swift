import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Proxy

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite(.serialized) struct ReverseProxyTests {
    @Test func routesByWeightWithTheOverrideHeader() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("stable")
        try fixture.start("canary")
        fixture.table.update(
            ProxyRoutes(backends: [
                fixture.backend("stable", .stable, weight: 100), fixture.backend("canary", .canary, weight: 0),
            ]))
        var seen: [String: Int] = [:]
        for _ in 0..<20 {
            let answer = try await fixture.get()
            seen[fixture.json(answer.body)["release"] as? String ?? "?", default: 0] += 1
        }
        #expect(seen == ["stable": 20])
        // The override reaches the canary even at weight 0 (smoke tests), and "never" the stable one.
        let forced = try await fixture.get(headers: ["X-Gantry-Canary": "always"])
        #expect(fixture.json(forced.body)["release"] as? String == "canary")
        fixture.table.update(
            ProxyRoutes(backends: [
                fixture.backend("stable", .stable, weight: 0), fixture.backend("canary", .canary, weight: 100),
            ]))
        let never = try await fixture.get(headers: ["X-Gantry-Canary": "never"])
        #expect(fixture.json(never.body)["release"] as? String == "stable")
        #expect(fixture.json((try await fixture.get()).body)["release"] as? String == "canary")
        fixture.table.update(
            ProxyRoutes(backends: [
                fixture.backend("stable", .stable, weight: 50), fixture.backend("canary", .canary, weight: 50),
            ]))
        seen = [:]
        for _ in 0..<100 {
            seen[fixture.json((try await fixture.get()).body)["release"] as? String ?? "?", default: 0] += 1
        }
        // 50/50 of 100: each side far from 0 (the chance of fewer than 25 is below one in a million).
        #expect((seen["stable"] ?? 0) >= 25 && (seen["canary"] ?? 0) >= 25, "\(seen)")
        #expect(
            (fixture.table.stats("stable")?.snapshot.requests ?? 0)
                + (fixture.table.stats("canary")?.snapshot.requests ?? 0) == 123)
        await fixture.stop()
    }

    /// A blue/green preview listener sends everything to the canary (at weight 0), and to the stable
    /// release when there is no canary; the main listener is unaffected.
    @Test func aPreviewListenerServesTheCanary() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("blue")
        try fixture.start("green")
        let preview = try await fixture.proxy.listen(host: "127.0.0.1", port: 0, preview: true)
        fixture.table.update(
            ProxyRoutes(backends: [
                fixture.backend("blue", .stable, weight: 100), fixture.backend("green", .canary, weight: 0),
            ]))
        for _ in 0..<5 {
            #expect(fixture.json(try await fixture.get(port: preview).body)["release"] as? String == "green")
            #expect(fixture.json(try await fixture.get().body)["release"] as? String == "blue")
        }
        fixture.table.update(ProxyRoutes(backends: [fixture.backend("green", .stable, weight: 100)]))
        #expect(fixture.json(try await fixture.get(port: preview).body)["release"] as? String == "green")
        await fixture.stop()
    }

    /// A WebSocket upgrade goes through: the release's 101 reaches the client with its Upgrade headers,
    /// then bytes flow both ways (the greeting the release sent with its 101 too) until one side closes.
    @Test func aWebSocketUpgradeBecomesATunnel() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("stable")
        fixture.table.update(ProxyRoutes(backends: [fixture.backend("stable", .stable, weight: 100)]))
        let client = #"""
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                      b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
            data = b""
            while b"hello from" not in data or not data.endswith(b"\n"): data += s.recv(4096)
            head, _, greeting = data.partition(b"\r\n\r\n")
            print(head.decode().splitlines()[0])
            print("upgrade:" + str(b"upgrade: websocket" in head.lower()))
            print(greeting.decode().strip())
            for message in [b"ping", b"x" * 200000]:
                s.sendall(message)
                echoed = b""
                while len(echoed) < len(message): echoed += s.recv(65536)
                print(echoed == message.upper())
            s.close()
            """#
        let output = try runChecked("/usr/bin/python3", ["-c", client, "\(fixture.port)"])
        #expect(
            output.split(separator: "\n").map(String.init) == [
                "HTTP/1.1 101 Switching Protocols", "upgrade:True", "hello from stable", "True", "True",
            ], "\(output)")
        // Another upgrade (h2c) stays on its hop: the release answers plain HTTP/1.1, and the
        // connection ends with that answer (the request decoder stops after an upgrade request).
        let h2c = #"""
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            s.sendall(b"GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                      b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            print(head.decode().splitlines()[0])
            print("close:" + str(b"connection: close" in head.lower()))
            print(b'"release": "stable"' in body)
            """#
        let plain = try runChecked("/usr/bin/python3", ["-c", h2c, "\(fixture.port)"])
        #expect(plain.split(separator: "\n").map(String.init) == ["HTTP/1.1 200 OK", "close:True", "True"], "\(plain)")
        // Plain requests still work on new connections, and the upgrade was counted.
        #expect(fixture.json(try await fixture.get().body)["release"] as? String == "stable")
        #expect((fixture.table.stats("stable")?.snapshot.requests ?? 0) == 3)
        await fixture.stop()
    }

    @Test func forwardsHeadersAndBodiesAndAnswersWhenNoReleaseCan() async throws {
        let fixture = try await ProxyFixture()
        // Nothing routed yet: 503, not a hang.
        #expect(try await fixture.get().status == 503)
        try fixture.start("web")
        fixture.table.update(ProxyRoutes(backends: [fixture.backend("web", .stable, weight: 100)]))
        let answer = try await fixture.get("/hello?x=1", headers: ["Host": "shop.example"])
        let echoed = fixture.json(answer.body)
        #expect(answer.status == 200)
        #expect(echoed["path"] as? String == "/hello?x=1")
        #expect(echoed["forwarded_for"] as? String == "127.0.0.1")
        #expect(echoed["forwarded_proto"] as? String == "http")
        #expect(echoed["forwarded_host"] as? String == "shop.example")
        // Hop-by-hop headers stay on their own hop.
        #expect(echoed["connection"] == nil || echoed["connection"] is NSNull)
        // A 4 MiB body streams through intact.
        var body = Data(count: 4 << 20)
        for index in stride(from: 0, to: body.count, by: 4096) { body[index] = UInt8(truncatingIfNeeded: index / 4096) }
        let posted = try await fixture.get("/upload", method: "POST", body: body)
        #expect(fixture.json(posted.body)["length"] as? Int == body.count)
        #expect(fixture.json(posted.body)["sha256"] as? String == Digest.sha256(body).hex)
        // 5xx answers pass through and are counted.
        #expect(try await fixture.get("/fail").status == 500)
        #expect(fixture.table.stats("web")?.snapshot.serverErrors == 1)
        // The only release gone: 502.
        fixture.releases["web"]?.process.stop()
        #expect(try await fixture.get().status == 502)
        #expect((fixture.table.stats("web")?.snapshot.failures ?? 0) >= 1)
        await fixture.stop()
    }

    @Test func stickyCookiesKeepAClientOnItsRelease() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("a")
        try fixture.start("b")
        fixture.table.update(
            ProxyRoutes(
                backends: [fixture.backend("a", .stable, weight: 50), fixture.backend("b", .canary, weight: 50)],
                stickyCookie: "gantry_release"))
        let first = try await fixture.get()
        let release = try #require(fixture.json(first.body)["release"] as? String)
        #expect(first.headers["set-cookie"]?.hasPrefix("gantry_release=\(release); Path=/") == true)
        for _ in 0..<20 {
            let next = try await fixture.get(headers: ["Cookie": "theme=dark; gantry_release=\(release)"])
            #expect(fixture.json(next.body)["release"] as? String == release)
        }
        await fixture.stop()
    }

    /// Weight changes under load: new requests follow the new weights, none is dropped.
    @Test func noRequestIsDroppedWhileWeightsChange() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("blue")
        try fixture.start("green")
        let blue = fixture.backend("blue", .stable, weight: 100)
        let green = fixture.backend("green", .canary, weight: 0)
        fixture.table.update(ProxyRoutes(backends: [blue, green]))
        let load = try fixture.startLoad(seconds: 3, threads: 8)
        for step in 0..<25 {
            try await Task.sleep(for: .milliseconds(100))
            var next = [blue, green]
            next[0].weight = step.isMultiple(of: 2) ? 0 : 90
            next[1].weight = 100 - next[0].weight
            fixture.table.update(ProxyRoutes(backends: next))
        }
        let report = try load.wait()
        let sent = report["sent"] as? Int ?? 0
        #expect(sent > 200)
        #expect(report["errors"] as? Int == 0, "\(report)")
        #expect((report["statuses"] as? [String: Int]) == ["200": sent], "\(report)")
        let byRelease = report["by_release"] as? [String: Int] ?? [:]
        #expect((byRelease["blue"] ?? 0) > 0 && (byRelease["green"] ?? 0) > 0)
        await fixture.stop()
    }

    /// The same under Debian's wrk (keep-alive connections, as many requests as it can): blue/green
    /// switches back and forth and canary weight changes drop no request and answer none with an error.
    @Test func wrkSeesNoErrorWhileTrafficSwitches() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("blue")
        try fixture.start("green")
        let blue = fixture.backend("blue", .stable, weight: 100)
        let green = fixture.backend("green", .canary, weight: 0)
        fixture.table.update(ProxyRoutes(backends: [blue, green]))
        let output = Pipe()
        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = ["-t", "2", "-c", "8", "-d", "3s", "--timeout", "5s", "http://127.0.0.1:\(fixture.port)/"]
        wrk.standardOutput = output
        wrk.standardError = output
        try wrk.run()
        // Weight changes (10, 50, 90 %), then whole switches (blue/green), every 100 ms.
        for step in 0..<25 {
            try await Task.sleep(for: .milliseconds(100))
            let canary = step < 12 ? [10, 50, 90][step % 3] : (step.isMultiple(of: 2) ? 100 : 0)
            var next = [blue, green]
            next[0].weight = 100 - canary
            next[1].weight = canary
            fixture.table.update(ProxyRoutes(backends: next))
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrk.waitUntilExit()
        #expect(wrk.terminationStatus == 0, "\(text)")
        // wrk reports these lines only when there were any.
        #expect(!text.contains("Socket errors"), "\(text)")
        #expect(!text.contains("Non-2xx or 3xx responses"), "\(text)")
        let requests =
            text.split(separator: "\n").first { $0.contains("requests in") }
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") } ?? 0
        #expect(requests > 200, "\(text)")
        let blueServed = fixture.table.stats("blue")?.snapshot.requests ?? 0
        let greenServed = fixture.table.stats("green")?.snapshot.requests ?? 0
        #expect(blueServed > 0 && greenServed > 0)
        #expect(
            fixture.table.stats("blue")?.snapshot.failures == 0 && fixture.table.stats("green")?.snapshot.failures == 0)
        await fixture.stop()
    }

    /// `kill -9` of a release under load: requests it refused are retried on the other one, so
    /// (nearly) nothing fails; the proxy stops sending it new requests.
    @Test func aKilledReleaseCostsAlmostNoRequest() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("stable")
        try fixture.start("canary")
        fixture.table.update(
            ProxyRoutes(backends: [
                fixture.backend("stable", .stable, weight: 50), fixture.backend("canary", .canary, weight: 50),
            ]))
        let load = try fixture.startLoad(seconds: 3, threads: 8)
        try await Task.sleep(for: .seconds(1))
        fixture.releases["canary"]?.process.stop()
        let report = try load.wait()
        let sent = report["sent"] as? Int ?? 0
        let failed = sent - ((report["statuses"] as? [String: Int])?["200"] ?? 0)
        #expect(sent > 300)
        #expect(failed * 1000 <= sent, "\(report)")
        #expect((fixture.table.stats("canary")?.snapshot.failures ?? 0) >= 1)
        await fixture.stop()
    }

    /// Requests sent back to back on one connection (HTTP pipelining) are answered in order.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("web")
        fixture.table.update(ProxyRoutes(backends: [fixture.backend("web", .stable, weight: 100)]))
        let script = """
            import json, socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            s.sendall(b"".join(b"GET /%d HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" % i for i in range(5)))
            f = s.makefile("rb")
            paths = []
            for _ in range(5):
                assert f.readline().startswith(b"HTTP/1.1 200")
                length = 0
                while True:
                    line = f.readline()
                    if line in (b"\\r\\n", b""): break
                    if line.lower().startswith(b"content-length:"): length = int(line.split(b":")[1])
                paths.append(json.loads(f.read(length))["path"])
            print(" ".join(paths))
            """
        let printed = try runChecked("/usr/bin/python3", ["-c", script, "\(fixture.port)"])
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "/0 /1 /2 /3 /4")
        await fixture.stop()
    }

    /// Responses pass through as the release framed them: chunks stay chunks for an HTTP/1.1 client
    /// and are taken off for an HTTP/1.0 one, a body that ends with the connection ends the client's,
    /// a HEAD answer has no body, a 103 goes ahead of the final answer, a malformed answer is a 502.
    @Test func responsesKeepTheirFramingWhateverItIs() async throws {
        let fixture = try await ProxyFixture()
        let release = try BackgroundProcess("/usr/bin/python3", ["-c", Self.framings])
        defer { release.stop() }
        let port = try #require(release.firstLine().flatMap { Int($0) })
        fixture.table.update(ProxyRoutes(backends: [ProxyBackend(name: "raw", role: .stable, port: port, weight: 100)]))
        let client = #"""
            import socket, sys
            port = int(sys.argv[1])
            def connect():
                return socket.create_connection(("127.0.0.1", port), timeout=10)
            def until(s, marker):
                data = b""
                while marker not in data:
                    chunk = s.recv(65536)
                    if not chunk: break
                    data += chunk
                return data
            def everything(s):
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk: return data
                    data += chunk
            s = connect()
            s.sendall(b"GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n")
            print(repr(until(s, b"0\r\n\r\n").split(b"\r\n\r\n", 1)[1]))
            s.sendall(b"GET /early HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = until(s, b"\r\n\r\nok")
            print(answer.split(b"\r\n")[0].decode(), answer.count(b"HTTP/1.1 200 OK"))
            s.sendall(b"HEAD /length HTTP/1.1\r\nHost: x\r\n\r\n")
            print(repr(until(s, b"\r\n\r\n").split(b"\r\n\r\n", 1)[1]))
            s.sendall(b"GET /length HTTP/1.1\r\nHost: x\r\n\r\n")
            print(repr(until(s, b"hello").split(b"\r\n\r\n", 1)[1]))
            s.close()
            s = connect()
            s.sendall(b"GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n")
            head, _, body = everything(s).partition(b"\r\n\r\n")
            print(b"transfer-encoding" in head.lower(), b"connection: close" in head.lower(), repr(body))
            s = connect()
            s.sendall(b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
            head, _, body = everything(s).partition(b"\r\n\r\n")
            print(b"connection: close" in head.lower(), repr(body))
            s = connect()
            s.sendall(b"GET /bad HTTP/1.1\r\nHost: x\r\n\r\n")
            print(everything(s).split(b"\r\n")[0].decode())
            """#
        let output = try runChecked("/usr/bin/python3", ["-c", client, "\(fixture.port)"])
        #expect(
            output.split(separator: "\n").map(String.init) == [
                #"b'5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'"#,
                "HTTP/1.1 103 Early Hints 1",
                "b''",
                "b'hello'",
                "False True b'hello world'",
                "True b'until the end'",
                "HTTP/1.1 502 Bad Gateway",
            ], "\(output)")
        await fixture.stop()
    }

    /// A release answering each path with one way of framing a response, written as raw bytes.
    static let framings = #"""
        import socket, threading
        answers = {
            b"/chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", False),
            b"/early": (b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False),
            b"/length": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", False),
            b"/close": (b"HTTP/1.1 200 OK\r\n\r\nuntil the end", True),
            b"/bad": (b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", False),
        }
        def serve(connection):
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk: return connection.close()
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                method, path = head.split(b" ")[:2]
                answer, close = answers[path]
                if method == b"HEAD": answer = answer.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
                connection.sendall(answer)
                if close: return connection.close()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(listener.getsockname()[1], flush=True)
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()
        """#

    /// Headers are not checked again on their way out, so the strict parser must refuse every request
    /// whose header could smuggle a line of its own to the release.
    @Test func requestsWithControlCharactersInHeadersAreRefused() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("web")
        fixture.table.update(ProxyRoutes(backends: [fixture.backend("web", .stable, weight: 100)]))
        let script = """
            import socket, sys
            port = int(sys.argv[1])
            hostile = [
                b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: one\\rX-Forwarded-For: 10.0.0.1\\r\\n\\r\\n",
                b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: one\\nX-Gantry-Canary: always\\r\\n\\r\\n",
                b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: one\\x00two\\r\\n\\r\\n",
                b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: one\\r\\n folded: in\\r\\n\\r\\n",
                b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX A: one\\r\\n\\r\\n",
            ]
            for request in hostile:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(request)
                answer = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    answer += chunk
                print(answer.split(b"\\r\\n", 1)[0].decode())
                s.close()
            """
        let printed = try runChecked("/usr/bin/python3", ["-c", script, "\(fixture.port)"])
        let statusLines = printed.split(separator: "\n").map(String.init)
        #expect(statusLines == Array(repeating: "HTTP/1.1 400 Bad Request", count: 5), "\(printed)")
        // None reached the release; a well-formed request still does.
        #expect(fixture.table.stats("web")?.snapshot.requests ?? 0 == 0)
        #expect(try await fixture.get().status == 200)
        await fixture.stop()
    }

    @Test func metricsAreExportedInThePrometheusFormat() async throws {
        let fixture = try await ProxyFixture()
        try fixture.start("web")
        fixture.table.update(ProxyRoutes(backends: [fixture.backend("web", .stable, weight: 100)]))
        for _ in 0..<3 { _ = try await fixture.get() }
        _ = try await fixture.get("/fail")
        let admin = try await fixture.proxy.listenAdmin(host: "127.0.0.1", port: 0)
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(admin)/metrics")!)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("gantry_proxy_requests_total{release=\"web\"} 4"))
        #expect(text.contains("gantry_proxy_responses_5xx_total{release=\"web\"} 1"))
        #expect(text.contains("gantry_proxy_request_duration_seconds_count{release=\"web\"} 4"))
        #expect(text.contains("gantry_proxy_request_duration_seconds_bucket{release=\"web\",le=\"+Inf\"} 4"))
        #expect(text.contains("gantry_proxy_backend_weight{release=\"web\",role=\"stable\"} 100"))
        await fixture.stop()
    }

    @Test func windowsOfCountersGiveErrorRatiosAndQuantiles() {
        let stats = BackendStats()
        let before = stats.snapshot
        for index in 0..<100 {
            stats.record(status: index < 5 ? 503 : 200, latency: .milliseconds(index < 90 ? 3 : 200))
        }
        stats.recordFailure()
        let window = stats.snapshot.since(before)
        #expect(window.requests == 100)
        #expect(window.errorRatio == 6.0 / 101.0)
        // 90 responses of 3 ms (bucket 2–3 ms), 10 of 200 ms (bucket 150–200 ms), interpolated within.
        #expect(abs((window.latency(quantile: 0.5) ?? 0) - (0.002 + 0.001 * 50.0 / 90.0)) < 1e-9)
        #expect(abs((window.latency(quantile: 0.95) ?? 0) - (0.15 + 0.05 * 5.0 / 10.0)) < 1e-9)
        #expect(TrafficCounters().errorRatio == nil)
    }
}
