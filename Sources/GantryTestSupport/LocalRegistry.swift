import Foundation

/// A real OCI registry (Debian's `docker-registry`, CNCF distribution) on 127.0.0.1 with a temporary
/// storage directory, for integration tests. `./scripts/bootstrap --deps` installs it.
public final class LocalRegistry: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    private let server: BackgroundProcess

    /// `host:port`, as references name it.
    public var address: String { "127.0.0.1:\(port)" }

    public init() throws {
        guard
            let executable = ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw TestSupportError("docker-registry is not installed: run ./scripts/bootstrap --deps")
        }
        directory = try TemporaryDirectory(prefix: "gantry-registry")
        var lastError: any Error = TestSupportError("docker-registry did not start")
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            let config = try directory.write(
                "config-\(port).yml",
                """
                version: 0.1
                log: { level: error }
                storage:
                  filesystem: { rootdirectory: \(directory.path)/data }
                  delete: { enabled: true }
                http:
                  addr: 127.0.0.1:\(port)
                """)
            let server = try BackgroundProcess(
                executable, ["serve", config.path], log: directory.url.appendingPathComponent("registry.log"))
            if Self.waitUntilReady(port: port, process: server.process) {
                self.port = port
                self.server = server
                return
            }
            server.stop()
            lastError = TestSupportError(
                "docker-registry did not answer on port \(port): \((try? directory.read("registry.log")) ?? "")")
        }
        directory.remove()
        throw lastError
    }

    /// Polls `GET /v2/` until it answers 200 (up to 10 s) or the process exits.
    static func waitUntilReady(port: Int, process: Process) -> Bool {
        for _ in 0..<200 {
            guard process.isRunning else { return false }
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            curl.arguments = [
                "python3", "-c",
                """
                import urllib.request, sys
                try:
                    sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:\(port)/v2/", timeout=1).status == 200 else 1)
                except Exception:
                    sys.exit(1)
                """,
            ]
            curl.standardOutput = FileHandle.nullDevice
            curl.standardError = FileHandle.nullDevice
            guard (try? curl.run()) != nil else { return false }
            curl.waitUntilExit()
            if curl.terminationStatus == 0 { return true }
            usleep(50_000)
        }
        return false
    }

    public func stop() {
        server.stop()
        directory.remove()
    }
}
