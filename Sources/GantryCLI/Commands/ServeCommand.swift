import ArgumentParser
import Composition
import Engine
import Foundation
import GantryCore
import Hummingbird
import Logging
import Pipeline
import Processes
import Server

/// `gantry serve`: the team's delivery server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the API and webhooks, and run what they queue.",
        discussion: """
            Without --config, the current git repository is the one project (its pipeline --file, its \
            webhook secret from GANTRY_WEBHOOK_SECRET). Every API route needs a token from \
            'gantry tokens create'. SIGTERM or SIGINT stops accepting, lets running jobs finish within \
            the grace period, and exits 0. See docs/server.md.
            """)

    @Option(help: "Listen on HOST:PORT (port 0 picks a free one).")
    var addr: String = "127.0.0.1:8080"

    @Option(help: "The data directory: state, artifacts, caches, repository mirrors (default: GANTRY_HOME or .gantry).")
    var data: String?

    @Option(help: "The server configuration (projects, webhook secrets, limits).")
    var config: String?

    @Option(name: [.short, .long], help: "The pipeline file of the current repository (without --config).")
    var file: String = "gantry.yml"

    func run() async throws {
        let (host, port) = try Self.parseAddress(addr)
        let environment = ProcessInfo.processInfo.environment
        var configuration: ServerConfiguration
        if let config {
            configuration = try ServerConfiguration.load(path: config, environment: environment)
        } else {
            configuration = try ServerConfiguration.currentRepository(
                directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), pipeline: file,
                environment: environment)
            // The board lists the pipeline's environments (promote targets before anything is deployed).
            configuration.environmentOrder =
                (try? PipelineParser.load(path: file))?.environments.map(\.name) ?? []
        }
        var secrets = SecretSet()
        try secrets.add(environment: environment)
        configuration.runSecrets = secrets.values
        // Read once; now out of this process's /proc/<pid>/environ for good.
        ProcessSecrecy.scrub(
            values: Array(secrets.values.values) + configuration.projects.compactMap(\.webhookSecret),
            environmentNames: secrets.environmentSources.union(configuration.secretEnvironmentNames))
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        let logger = Logger(label: "gantry.server")
        let services = try GantryServer.services(
            configuration: configuration, gantry: StateLocation.services(data: data))
        let server = GantryServer(services: services, logger: logger)
        let application = try await server.application(host: host, port: port) { bound in
            // One line people and scripts can wait for (the port matters when 0 was asked for).
            Terminal.printOut("gantry serve: listening on http://\(host):\(bound)")
        }
        try await application.runService()
    }

    /// `HOST:PORT` (`[::1]:8080` for IPv6), the port 0–65535.
    static func parseAddress(_ text: String, flag: String = "--addr") throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ValidationError("\(flag) must be HOST:PORT (got '\(text)')")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(flag) must be HOST:PORT with a port from 0 to 65535 (got '\(text)')")
        }
        return (host, port)
    }
}
