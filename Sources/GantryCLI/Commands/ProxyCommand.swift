import ArgumentParser
import Foundation
import GantryCore
import Pipeline
import Processes
import Proxy
import Serving

/// `gantry proxy --env ENV`: runs an environment's releases (the `process` deploy driver) and serves
/// their traffic; or, with `--upstream`, a plain weighted reverse proxy.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy", abstract: "Serve an environment's releases behind Gantry's proxy.",
        discussion: """
            With --env, hosts the releases of an environment whose deploy driver is 'process': promotions \
            ask it to start a digest (unpacked into .gantry/releases/), it probes it until ready, routes \
            traffic by the weights the promotion sets, drains and stops retired releases, and restarts a \
            release that exits. The releases are its children: they stop with it. Run it as a service. \
            With --upstream NAME=HOST:PORT[@WEIGHT] (repeatable; the first is the stable release), it \
            proxies to fixed upstreams. The header X-Gantry-Canary: always|never pins a request to the \
            canary or the stable release. --admin serves /metrics and /routes. See docs/rollouts.md.
            """)

    @Option(help: "The environment whose releases to host (its deploy driver must be 'process').")
    var env: String?

    @Option(help: "The app to host (default: the only app deployed to the environment, or packed).")
    var app: String?

    @Option(help: "Serve traffic on HOST:PORT (port 0 picks a free one).")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Serve /metrics (Prometheus) and /routes on HOST:PORT.")
    var admin: String?

    @Option(
        name: .customLong("upstream"),
        help: "Without --env: NAME=HOST:PORT[@WEIGHT] (NAME: letters, digits, '.', '_', '-'). Repeatable.")
    var upstreams: [String] = []

    @Option(help: "Keep a client on the release it was first sent to, with this cookie.")
    var stickyCookie: String?

    @Option(name: [.short, .long], help: "The pipeline file whose 'environments:' apply.")
    var file: String = "gantry.yml"

    @OptionGroup(title: "Secrets for the releases (only those the environment's 'secrets:' lists are given to them)")
    var secretOptions: SecretOptions

    @Option(help: "Event-loop threads serving traffic (default: one per core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if !(1...256).contains(threads) { throw ValidationError("--threads must be from 1 to 256") }
        if env == nil && secretOptions.hasFlags {
            throw ValidationError("secret flags are for --env (the environment's releases get them)")
        }
        if (env == nil) == upstreams.isEmpty {
            throw ValidationError(
                "pass --env ENV (host an environment's releases) or --upstream NAME=HOST:PORT, not both")
        }
        if let stickyCookie,
            stickyCookie.isEmpty
                || !stickyCookie.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        {
            throw ValidationError("--sticky-cookie must be a cookie name (letters, digits, '_' and '-')")
        }
    }

    func run() async throws {
        let (host, port) = try ServeCommand.parseAddress(listen, flag: "--listen")
        // Both addresses are checked before anything starts or claims the environment.
        let adminAddress = try admin.map { try ServeCommand.parseAddress($0, flag: "--admin") }
        let table = RouteTable()
        let proxy = ReverseProxy(routes: table, threads: threads)
        var environmentHost: EnvironmentHost?
        var previewPort: Int?
        if let env {
            (environmentHost, previewPort) = try makeHost(environment: env, routes: table)
        } else {
            table.update(
                ProxyRoutes(backends: try upstreams.enumerated().map(Self.upstream), stickyCookie: stickyCookie))
        }
        let bound: Int
        do {
            bound = try await proxy.listen(host: host, port: port)
        } catch {
            await proxy.shutdown()
            throw InputError("cannot listen on \(listen): \(error)")
        }
        var line = "gantry proxy: listening on http://\(host):\(bound)"
        if let environmentHost { line += " for \(environmentHost.app) in \(environmentHost.environment)" }
        if let previewPort {
            do {
                _ = try await proxy.listen(host: host, port: previewPort, preview: true)
            } catch {
                await proxy.shutdown()
                throw InputError("cannot listen on the blue/green previewPort \(host):\(previewPort): \(error)")
            }
            line += " (preview on http://\(host):\(previewPort))"
        }
        if let (adminHost, adminPort) = adminAddress {
            let adminBound = try await proxy.listenAdmin(host: adminHost, port: adminPort)
            line += " (metrics on http://\(adminHost):\(adminBound)/metrics)"
        }
        Terminal.printOut(line)
        let cancellation = CancellationFlag()
        let signals = SignalTrap(cancellation: cancellation, what: "the proxy and its releases")
        defer { signals.release() }
        let hosting = environmentHost.map { environmentHost in
            Task { await environmentHost.run { Terminal.printError("gantry proxy: \($0)") } }
        }
        while !cancellation.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
        hosting?.cancel()
        await hosting?.value
        await proxy.shutdown()
    }

    /// The host of the environment's releases, claimed, and its blue/green preview port if any.
    private func makeHost(environment name: String, routes: RouteTable) throws -> (EnvironmentHost, Int?) {
        let pipeline = try PipelineParser.load(path: file)
        guard let environment = pipeline.environment(name) else {
            throw InputError(
                "unknown environment '\(name)' in \(file) (defined: \(pipeline.environments.map(\.name).joined(separator: ", ")))"
            )
        }
        guard case .process(var definition) = environment.deploy?.driver else {
            throw InputError(
                "environments.\(name).deploy in \(file) is not a 'process' driver: gantry proxy --env hosts releases run as processes (deploy: {process: {command: …}})"
            )
        }
        // Read once and scrubbed from this process; a release gets those its environment lists.
        let given = try secretOptions.load(environment: ProcessInfo.processInfo.environment)
        let missing = environment.secrets.filter { given[$0] == nil }
        guard missing.isEmpty else {
            throw InputError(
                "environments.\(name).secrets: \(missing.joined(separator: ", ")) not given; the releases need them: pass "
                    + missing.map { "--secret \($0)" }.joined(separator: " ")
                    + " (or GANTRY_SECRET_NAME, --secrets-file)")
        }
        // Blue/green keeps the replaced release for scaleDownDelaySeconds instead of the drain.
        if let delay = environment.strategy?.scaleDownDelay { definition.drain = delay }
        let services = StateLocation.services
        guard let app = try app ?? services.onlyApp(in: name) else {
            throw InputError("say which app to host with --app (none or several are deployed to \(name))")
        }
        let host = try services.environmentHost(
            app: app, environment: name, definition: definition, routes: routes, listen: listen,
            stickyCookie: stickyCookie, secrets: given.filter { environment.secrets.contains($0.key) })
        try host.claim()
        return (host, environment.strategy?.previewPort)
    }

    /// `NAME=HOST:PORT[@WEIGHT]`; the first upstream is the stable release, the others canaries.
    static func upstream(_ entry: (offset: Int, element: String)) throws -> ProxyBackend {
        let text = entry.element
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("--upstream expects NAME=HOST:PORT[@WEIGHT], got '\(text)'")
        }
        let name = String(text[..<equals])
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw ValidationError(
                "--upstream \(name): the name may hold only letters, digits, '.', '_' and '-' (it names the release in metrics and cookies)"
            )
        }
        var address = String(text[text.index(after: equals)...])
        var weight = 100
        if let at = address.lastIndex(of: "@") {
            guard let parsed = Int(address[address.index(after: at)...]), (0...1000).contains(parsed) else {
                throw ValidationError("--upstream \(name): the weight after '@' must be a whole number from 0 to 1000")
            }
            weight = parsed
            address = String(address[..<at])
        }
        let (host, port) = try ServeCommand.parseAddress(address, flag: "--upstream \(name)")
        return ProxyBackend(
            name: name, role: entry.offset == 0 ? .stable : .canary, host: host, port: port, weight: weight)
    }
}
