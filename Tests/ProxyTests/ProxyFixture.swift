import Foundation
import GantryTestSupport
import Proxy

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Releases for the proxy to route to — small Python HTTP/1.1 servers that answer with their name —
/// and a load generator that reports what every request got. Everything listens on 127.0.0.1.
final class ProxyFixture {
    let directory: TemporaryDirectory
    let proxy: ReverseProxy
    let table = RouteTable()
    var port = 0
    var releases: [String: (process: BackgroundProcess, port: Int)] = [:]

    static let upstream = #"""
        import hashlib, http.server, json, socketserver, sys, time
        name = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # one write per response: no Nagle/delayed-ACK stalls
            def log_message(self, *args): pass
            def answer(self, code, payload):
                body = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                if self.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
                    # An upgraded connection: 101, a greeting at once, then every byte echoed in upper case.
                    self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                    self.wfile.write(f"hello from {name}\n".encode()); self.wfile.flush()
                    while True:
                        data = self.connection.recv(65536)
                        if not data: break
                        self.connection.sendall(data.upper())
                    self.close_connection = True
                    return
                if self.path.startswith("/slow"): time.sleep(0.05)
                self.answer(500 if self.path.startswith("/fail") else 200, {
                    "release": name, "path": self.path,
                    "forwarded_for": self.headers.get("X-Forwarded-For"),
                    "forwarded_host": self.headers.get("X-Forwarded-Host"),
                    "forwarded_proto": self.headers.get("X-Forwarded-Proto"),
                    "connection": self.headers.get("Connection"),
                    "override": self.headers.get("X-Gantry-Canary")})
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.answer(200, {"release": name, "length": len(body), "sha256": hashlib.sha256(body).hexdigest()})
        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True
        server = Server(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// `load.py URL SECONDS THREADS [HEADER=VALUE]`: keep-alive GETs from THREADS threads for SECONDS;
    /// prints {"by_release": {...}, "statuses": {...}, "errors": N, "sent": N}.
    static let load = #"""
        import http.client, json, sys, threading, time, collections, urllib.parse
        url = urllib.parse.urlparse(sys.argv[1]); seconds = float(sys.argv[2]); threads = int(sys.argv[3])
        headers = dict(h.split("=", 1) for h in sys.argv[4:])
        lock = threading.Lock(); by_release = collections.Counter(); statuses = collections.Counter()
        totals = {"errors": 0, "sent": 0}; messages = []
        def work():
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
            end = time.time() + seconds
            while time.time() < end:
                try:
                    connection.request("GET", url.path or "/", headers=headers)
                    response = connection.getresponse()
                    body = response.read()
                    release = json.loads(body)["release"] if response.status == 200 else None
                    with lock:
                        totals["sent"] += 1; statuses[response.status] += 1
                        if release: by_release[release] += 1
                except Exception as error:
                    with lock:
                        totals["sent"] += 1; totals["errors"] += 1; messages.append(repr(error))
                    connection.close()
                    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for w in workers: w.start()
        for w in workers: w.join()
        print(json.dumps({"by_release": by_release, "statuses": {str(k): v for k, v in statuses.items()},
                          "errors": totals["errors"], "sent": totals["sent"], "messages": messages[:5]}))
        """#

    init() async throws {
        directory = try TemporaryDirectory(prefix: "gantry-proxy")
        try directory.write("upstream.py", Self.upstream)
        try directory.write("load.py", Self.load)
        proxy = ReverseProxy(routes: table, threads: 2)
        port = try await proxy.listen(host: "127.0.0.1", port: 0)
    }

    /// Starts a release named `name`; returns its port.
    @discardableResult
    func start(_ name: String) throws -> Int {
        let process = try BackgroundProcess(
            "/usr/bin/python3", [directory.url.appendingPathComponent("upstream.py").path, name])
        guard let line = process.firstLine(), let port = Int(line) else {
            throw TestSupportError("release \(name) did not start")
        }
        releases[name] = (process, port)
        return port
    }

    func backend(_ name: String, _ role: ProxyBackend.Role, weight: Int) -> ProxyBackend {
        ProxyBackend(name: name, role: role, port: releases[name]?.port ?? 1, weight: weight)
    }

    /// One request through the proxy: status, headers and body.
    func get(
        _ path: String = "/", headers: [String: String] = [:], method: String = "GET", body: Data? = nil,
        port: Int? = nil
    ) async throws -> (status: Int, headers: [String: String], body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port ?? self.port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)".lowercased()] = "\(value)" }
        return (http.statusCode, fields, data)
    }

    func json(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// Runs load.py against the proxy in the background; `wait` returns its report.
    func startLoad(seconds: Double, threads: Int, path: String = "/", headers: [String] = []) throws -> LoadRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments =
            [
                directory.url.appendingPathComponent("load.py").path, "http://127.0.0.1:\(port)\(path)", "\(seconds)",
                "\(threads)",
            ]
            + headers
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return LoadRun(process: process, output: output)
    }

    struct LoadRun {
        let process: Process
        let output: Pipe

        func wait() throws -> [String: Any] {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard let report = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TestSupportError("load.py printed no report")
            }
            return report
        }
    }

    func stop() async {
        for release in releases.values { release.process.stop() }
        await proxy.shutdown()
        directory.remove()
    }
}
