import ArgumentParser
import Artifacts
import Foundation
import GantryCore

/// Options shared by the commands that talk to a registry.
struct RegistryOptions: ParsableArguments {
    @Flag(help: "Talk plain HTTP to the registry (default only for localhost and 127.0.0.1).")
    var plainHTTP = false

    @Option(help: "Seconds allowed for one request before it is retried.")
    var timeout: Int = 60

    @Option(help: "Retries of a request that failed transiently (5xx, 429, timeouts, connection errors).")
    var retries: Int = 4

    func validate() throws {
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
        if retries < 0 || retries > 20 { throw ValidationError("--retries must be from 0 to 20") }
    }

    /// A client for `registry`, with credentials from the environment or an auth file; retries and the
    /// circuit breaker are reported on stderr.
    /// `progress` shows bytes per blob (see `ProgressMeter`).
    func client(for registry: String, progress: ProgressHandler? = nil) throws -> RegistryClient {
        var configuration = RegistryClient.Configuration()
        if plainHTTP { configuration.plainHTTP = true }
        configuration.requestTimeout = TimeInterval(timeout)
        configuration.retries = retries
        return try RegistryClient(
            registry: registry, credentials: try RegistryCredentials.lookup(registry: registry),
            configuration: configuration, progress: { Terminal.printError("warning: \($0)") },
            transferProgress: progress)
    }
}
