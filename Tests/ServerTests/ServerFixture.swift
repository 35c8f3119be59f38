import Composition
import Foundation
import GantryTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Server
import Store

/// A server over a fresh data directory with one project (a real git repository with one commit), and
/// a token per role.
struct ServerFixture {
    let directory: TemporaryDirectory
    let repository: URL
    let server: GantryServer
    let tokens: [ServerRole: String]
    let commit: String
    static let secret = "webhook-secret-for-tests"

    init(
        pipeline: String = ServerFixture.pipeline, files: [String: String] = [:],
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws {
        directory = try TemporaryDirectory(prefix: "gantry-server")
        repository = directory.url.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try Data(pipeline.utf8).write(to: repository.appendingPathComponent("gantry.yml"))
        for (path, content) in files {
            let file = repository.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        try Self.git(["init", "-q", "-b", "main"], in: repository)
        try Self.git(["add", "."], in: repository)
        try Self.git(["commit", "-q", "-m", "init"], in: repository)
        commit = try Self.git(["rev-parse", "HEAD"], in: repository).trimmingCharacters(in: .whitespacesAndNewlines)

        var configuration = ServerConfiguration(projects: [
            ProjectConfiguration(
                name: "web", repository: repository.path, pipeline: "gantry.yml", webhookSecret: Self.secret)
        ])
        configuration.maxBodySize = 64 * 1024
        configuration.shutdownGrace = .seconds(5)
        configure(&configuration)
        let gantry = GantryServices(
            .init(
                stateDirectory: directory.url.appendingPathComponent("data"),
                environment: ProcessInfo.processInfo.environment))
        let services = try GantryServer.services(configuration: configuration, gantry: gantry)
        server = GantryServer(services: services, logger: Logger(label: "test"))
        var tokens: [ServerRole: String] = [:]
        let state = try gantry.state()
        for role in ServerRole.allCases {
            let issued = try APITokens.issue(user: "\(role)-user", role: role, expiresAt: nil)
            try state.addToken(issued.record)
            tokens[role] = issued.token
        }
        self.tokens = tokens
    }

    static let pipeline = """
        name: demo
        jobs:
          build:
            steps:
              - run: echo "built $GANTRY_SHA"
        """

    var state: StateStore { get throws { try server.services.gantry.state() } }

    /// The routes alone, without run workers (queued runs stay queued).
    func routerApplication() -> some ApplicationProtocol {
        Application(router: server.router(), logger: Logger(label: "test"))
    }

    func headers(_ role: ServerRole?, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        if let role, let token = tokens[role] { fields[.authorization] = "Bearer \(token)" }
        return fields
    }

    func remove() { directory.remove() }

    @discardableResult
    static func git(_ arguments: [String], in directory: URL) throws -> String {
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t"] + arguments, in: directory)
    }
}

extension ByteBuffer {
    init(json: String) { self.init(string: json) }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}
