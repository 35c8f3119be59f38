import Artifacts
import Attestation
import Foundation
import GantryCore
import GantryTestSupport
import Synchronization
import Testing

/// The registry client against Debian's docker-registry (CNCF distribution 2.8, no referrers API),
/// skopeo in both directions, and a fault-injecting proxy in front of the registry.
@Suite(.serialized) struct RegistryTests {
    struct Project {
        let directory: TemporaryDirectory
        let store: ArtifactStore
        let key: SigningKey
        let artifact: StoredArtifact

        func remove() { directory.remove() }
    }

    /// A signed artifact of `size` bytes of content (plus a lockfile) in a fresh store.
    func project(size: Int = 4096) throws -> Project {
        let directory = try TemporaryDirectory(prefix: "gantry-push")
        try directory.write("app/requirements.txt", "requests==2.31.0\n")
        var bytes = [UInt8](repeating: 0, count: size)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: directory.url.appendingPathComponent("app/payload.bin"))
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let packed = try store.pack(directory.url.appendingPathComponent("app"), app: "web", tag: "v1")
        let key = SigningKey()
        _ = try Attestor(store: store, key: key).attest(
            packed, directory: directory.url.appendingPathComponent("app"),
            context: BuildContext(app: "web", tag: "v1", invocationID: "c", startedOn: Date(), finishedOn: Date()),
            timestamp: 0)
        return Project(
            directory: directory, store: store, key: key,
            artifact: try store.resolve(.digest(app: "web", packed.digest)))
    }

    func emptyStore() throws -> (TemporaryDirectory, ArtifactStore) {
        let directory = try TemporaryDirectory(prefix: "gantry-pull")
        return (directory, try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state")))
    }

    func client(
        _ address: String, credentials: RegistryCredentials? = nil, retries: Int = 4, timeout: TimeInterval = 60,
        chunkSize: Int = 32 << 20, messages: MessageLog? = nil, transfers: ProgressLog? = nil
    ) throws -> RegistryClient {
        var configuration = RegistryClient.Configuration()
        configuration.retries = retries
        configuration.requestTimeout = timeout
        configuration.backoff = .milliseconds(20)
        configuration.chunkSize = chunkSize
        configuration.breaker = CircuitBreaker(threshold: 3, cooldown: 30)
        return try RegistryClient(
            registry: address, credentials: credentials, configuration: configuration,
            progress: { messages?.append($0) }, transferProgress: transfers?.handler)
    }

    /// Progress updates a client reported.
    final class ProgressLog: Sendable {
        private let updates = Mutex<[ProgressUpdate]>([])
        func append(_ update: ProgressUpdate) { updates.withLock { $0.append(update) } }
        var all: [ProgressUpdate] { updates.withLock { $0 } }
        var handler: ProgressHandler { { [self] update in self.append(update) } }
    }

    @Test func pushPullRoundTripKeepsTheDigestAndTheAttestations() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let project = try project()
        defer { project.remove() }
        let target = try RegistryReference(parsing: "\(registry.address)/team/web:v1")
        let transfer = RegistryTransfer(store: project.store, client: try client(registry.address))
        let first = try await transfer.push(project.artifact, to: target)
        #expect(first.reference.digest == project.artifact.digest)
        #expect(first.uploaded >= 2)
        #expect(first.referrers == 2)
        #expect(!first.referrersAPI)  // distribution 2.8: the sha256-<hex> tag fallback
        // Everything is there now: a second push uploads nothing.
        let second = try await transfer.push(project.artifact, to: target)
        #expect(second.uploaded == 0)
        #expect(second.skipped == first.uploaded + first.skipped)
        // Another repository on the same registry mounts instead of uploading.
        let other = try await transfer.push(
            project.artifact, to: try RegistryReference(parsing: "\(registry.address)/mirror/web"),
            mountFrom: ["team/web"])
        #expect(other.uploaded == 0)
        #expect(other.mounted > 0)

        let (directory, store) = try emptyStore()
        defer { directory.remove() }
        let pulled = try await RegistryTransfer(store: store, client: try client(registry.address)).pull(
            try RegistryReference(parsing: "\(registry.address)/team/web@\(project.artifact.digest)"), as: "web",
            tag: "v1")
        #expect(pulled.artifact.digest == project.artifact.digest)
        #expect(pulled.referrers == 2)
        let checks = Verifier(store: store, keys: [project.key.publicKey]).verify(pulled.artifact)
        #expect(checks.count == 4 && checks.allSatisfy(\.passed), "\(checks)")
        let inspected = try await RegistryTransfer(store: store, client: try client(registry.address)).inspect(
            try RegistryReference(parsing: "\(registry.address)/mirror/web@\(project.artifact.digest)"))
        #expect(inspected.referrers.count == 2)
    }

    @Test func largeBlobsGoUpInChunks() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let project = try project(size: 5 << 20)
        defer { project.remove() }
        let log = project.directory.url.appendingPathComponent("proxy.log")
        let proxy = try Proxy(upstream: registry.port, mode: "pass", log: log)
        defer { proxy.stop() }
        let pushed = ProgressLog()
        let transfer = RegistryTransfer(
            store: project.store, client: try client(proxy.address, chunkSize: 1 << 20, transfers: pushed))
        let report = try await transfer.push(
            project.artifact, to: try RegistryReference(parsing: "\(proxy.address)/big/web:v1"))
        #expect(report.bytesUploaded > 5 << 20)
        // The 5 MiB layer went up as six 1 MiB PATCH requests, then one PUT with the digest.
        let requests = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(requests.filter { $0.hasPrefix("PATCH ") && $0.hasSuffix(" 202") }.count == 6)
        // Progress per chunk of the layer, ending at its size.
        let layerUpdates = pushed.all.filter { ($0.total ?? 0) > 5 << 20 }
        #expect(layerUpdates.count == 6)
        #expect(layerUpdates.last.map { $0.done == $0.total } == true)
        #expect(layerUpdates.first?.label.hasPrefix("push ") == true)
        let (directory, store) = try emptyStore()
        defer { directory.remove() }
        let pulledProgress = ProgressLog()
        let pulled = try await RegistryTransfer(
            store: store, client: try client(registry.address, transfers: pulledProgress)
        ).pull(
            try RegistryReference(parsing: "\(registry.address)/big/web:v1"), as: "web", tag: "v1")
        #expect(pulled.artifact.digest == project.artifact.digest)
        #expect(try store.entries(of: pulled.artifact).contains { $0.path == "payload.bin" })
        let largest = pulledProgress.all.filter { $0.label.hasPrefix("pull ") }.max { $0.done < $1.done }
        #expect(largest.map { $0.done == $0.total && $0.done > 5 << 20 } == true)
    }

    @Test func skopeoReadsWhatGantryPushesAndGantryReadsWhatSkopeoPushes() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let project = try project()
        defer { project.remove() }
        _ = try await RegistryTransfer(store: project.store, client: try client(registry.address)).push(
            project.artifact, to: try RegistryReference(parsing: "\(registry.address)/team/web:v1"))
        // skopeo pulls gantry's push into an OCI layout, keeping the digest.
        let layout = project.directory.url.appendingPathComponent("skopeo-layout")
        try runChecked(
            "skopeo",
            [
                "copy", "--src-tls-verify=false", "--preserve-digests", "--dest-oci-accept-uncompressed-layers",
                "docker://\(registry.address)/team/web:v1", "oci:\(layout.path):v1",
            ])
        let raw = try runChecked("skopeo", ["inspect", "--raw", "oci:\(layout.path):v1"])
        #expect(Digest.sha256(Data(raw.utf8)) == project.artifact.digest)
        // skopeo pushes gantry's own layout to another repository; gantry pulls it back and verifies it.
        try runChecked(
            "skopeo",
            [
                "copy", "--dest-tls-verify=false", "--preserve-digests",
                "oci:\(project.store.layout.root.path):web:v1", "docker://\(registry.address)/from-skopeo/web:v1",
            ])
        let (directory, store) = try emptyStore()
        defer { directory.remove() }
        let pulled = try await RegistryTransfer(store: store, client: try client(registry.address)).pull(
            try RegistryReference(parsing: "\(registry.address)/from-skopeo/web:v1"), as: "web", tag: "v1")
        #expect(pulled.artifact.digest == project.artifact.digest)
        #expect(pulled.referrers == 0)  // skopeo copies the image, not its referrers
        let entries = try store.entries(of: pulled.artifact).map(\.path)
        #expect(entries.contains("payload.bin"))
    }

    @Test func bearerTokensFromTheChallengeRealm() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let proxy = try Proxy(upstream: registry.port, mode: "bearer", user: "ci", password: "s3cret-pass")
        defer { proxy.stop() }
        let project = try project()
        defer { project.remove() }
        let target = try RegistryReference(parsing: "\(proxy.address)/team/web:v1")
        let good = RegistryTransfer(
            store: project.store,
            client: try client(proxy.address, credentials: RegistryCredentials(username: "ci", password: "s3cret-pass"))
        )
        let report = try await good.push(project.artifact, to: target)
        #expect(report.reference.digest == project.artifact.digest)
        // Anonymous and wrong credentials are refused with a clear message that never shows the password.
        for credentials in [nil, RegistryCredentials(username: "ci", password: "wrong-pass")] {
            do {
                _ = try await RegistryTransfer(
                    store: project.store, client: try client(proxy.address, credentials: credentials)
                )
                .push(project.artifact, to: target)
                Issue.record("expected a refusal")
            } catch let error as RegistryError {
                guard case .unauthorized(let message) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(message.contains("token service"))
                #expect(!message.contains("s3cret") && !message.contains("wrong-pass"))
            }
        }
    }

    @Test func serverErrorsAreRetriedThenTheBreakerOpens() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let proxy = try Proxy(upstream: registry.port, mode: "fail500")
        defer { proxy.stop() }
        let (directory, store) = try emptyStore()
        defer { directory.remove() }
        let messages = MessageLog()
        let client = try client(proxy.address, retries: 2, messages: messages)
        let transfer = RegistryTransfer(store: store, client: client)
        let source = try RegistryReference(parsing: "\(proxy.address)/team/web:v1")
        do {
            _ = try await transfer.pull(source, as: "web", tag: "v1")
            Issue.record("expected a failure")
        } catch let error as RegistryError {
            #expect(error.description.contains("failed 3 times; last: HTTP 500: UNKNOWN: injected failure"))
        }
        #expect(messages.all.contains { $0.contains("retry 1/2") })
        #expect(messages.all.contains { $0.contains("circuit breaker opened") })
        do {
            _ = try await transfer.pull(source, as: "web", tag: "v1")
            Issue.record("expected the breaker to refuse")
        } catch RegistryError.circuitOpen(let message) {
            #expect(message.contains("not calling it again"))
        }
        #expect(try store.artifacts().isEmpty)
    }

    @Test func aBlobWithTheWrongDigestIsNeverStored() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let project = try project()
        defer { project.remove() }
        _ = try await RegistryTransfer(store: project.store, client: try client(registry.address)).push(
            project.artifact, to: try RegistryReference(parsing: "\(registry.address)/team/web:v1"))
        let proxy = try Proxy(upstream: registry.port, mode: "corrupt")
        defer { proxy.stop() }
        let (directory, store) = try emptyStore()
        defer { directory.remove() }
        do {
            _ = try await RegistryTransfer(store: store, client: try client(proxy.address)).pull(
                try RegistryReference(parsing: "\(proxy.address)/team/web:v1"), as: "web", tag: "v1")
            Issue.record("expected a digest mismatch")
        } catch RegistryError.digestMismatch(let message) {
            #expect(message.contains("nothing was stored"))
        }
        #expect(try store.artifacts().isEmpty)
        let blobs = try FileManager.default.contentsOfDirectory(
            atPath: store.layout.root.appendingPathComponent("blobs/sha256").path)
        #expect(blobs.isEmpty)
    }

    @Test func aRegistryThatHangsTimesOut() async throws {
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let proxy = try Proxy(upstream: registry.port, mode: "hang")
        defer { proxy.stop() }
        let (directory, store) = try emptyStore()
        defer { directory.remove() }
        do {
            _ = try await RegistryTransfer(store: store, client: try client(proxy.address, retries: 1, timeout: 1))
                .pull(try RegistryReference(parsing: "\(proxy.address)/team/web:v1"), as: "web", tag: "v1")
            Issue.record("expected a timeout")
        } catch RegistryError.unavailable(let message) {
            #expect(message.contains("no answer within 1s"))
        }
    }

    @Test func referencesAreValidated() {
        #expect(throws: ArtifactError.self) { try RegistryReference(parsing: "web:v1") }
        #expect(throws: ArtifactError.self) { try RegistryReference(parsing: "team/web") }
        #expect(throws: ArtifactError.self) { try RegistryReference(parsing: "127.0.0.1:5000/Team/web") }
        #expect(throws: ArtifactError.self) { try RegistryReference(parsing: "127.0.0.1:5000/team//web") }
        #expect(throws: ArtifactError.self) { try RegistryReference(parsing: "127.0.0.1:5000/web@sha256:12") }
        let full = try? RegistryReference(
            parsing: "registry.example.com:443/team/my-app_1/web:1.0@sha256:" + String(repeating: "a", count: 64))
        #expect(full?.registry == "registry.example.com:443")
        #expect(full?.repository == "team/my-app_1/web")
        #expect(full?.tag == "1.0")
        #expect(RegistryReference.looksRemote("localhost/web"))
        #expect(!RegistryReference.looksRemote("web:v1"))
    }
}

/// The fault-injecting proxy (Fixtures/registry_proxy.py) in front of a registry.
final class Proxy {
    let server: BackgroundProcess
    let port: Int
    var address: String { "127.0.0.1:\(port)" }

    init(upstream: Int, mode: String, user: String = "", password: String = "", log: URL? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/registry_proxy.py").path
        var environment = ProcessInfo.processInfo.environment
        environment["PROXY_LOG"] = log?.path
        server = try BackgroundProcess(
            "/usr/bin/env", ["python3", script, "\(upstream)", mode, user, password], environment: environment)
        guard let line = server.firstLine(), let port = Int(line) else {
            server.stop()
            throw TestSupportError("the registry proxy did not start")
        }
        self.port = port
    }

    func stop() { server.stop() }
}

/// Messages a client reports (retries, breaker), collected for assertions.
final class MessageLog: Sendable {
    private let messages = Mutex<[String]>([])
    func append(_ message: String) { messages.withLock { $0.append(message) } }
    var all: [String] { messages.withLock { $0 } }
}
