import Foundation
import GantryCore
public import Pipeline
import Processes

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs an environment's `verify:` check: an HTTP GET expecting 2xx, or a command expecting exit 0,
/// retried `retries` times `interval` apart, each attempt bounded by `timeout`.
public struct HealthChecker: Sendable {
    public var commands: CommandRunner
    /// Told about each failed attempt.
    public var progress: @Sendable (String) -> Void
    /// The environment's secrets, given to a check command as variables.
    public var secrets: [String: String]

    public init(
        commands: CommandRunner, secrets: [String: String] = [:], progress: @escaping @Sendable (String) -> Void
    ) {
        self.commands = commands
        self.secrets = secrets
        self.progress = progress
    }

    /// The outcome of the whole check.
    public struct Result: Sendable, Hashable {
        public var passed: Bool
        public var attempts: Int
        /// The last attempt's outcome in words.
        public var detail: String
        /// A signal cancelled the check.
        public var cancelled: Bool = false
    }

    public func check(_ definition: HealthCheckDefinition, environment: DeployEnvironment) async -> Result {
        var detail = ""
        let attempts = definition.retries + 1
        for attempt in 1...attempts {
            if commands.cancellation.isCancelled || Task.isCancelled {
                return Result(passed: false, attempts: attempt - 1, detail: "cancelled", cancelled: true)
            }
            let (passed, outcome) = await probe(definition, environment: environment)
            detail = outcome
            if passed { return Result(passed: true, attempts: attempt, detail: outcome) }
            if attempt < attempts {
                progress(
                    "attempt \(attempt)/\(attempts) failed (\(outcome)); next in \(definition.interval.humanShort)")
                // Wait out the interval in short steps so a cancellation is honoured at once.
                let resume = ContinuousClock.now.advanced(by: definition.interval)
                while ContinuousClock.now < resume && !commands.cancellation.isCancelled && !Task.isCancelled {
                    try? await Task.sleep(for: min(.milliseconds(100), resume - ContinuousClock.now))
                }
            }
        }
        return Result(passed: false, attempts: attempts, detail: detail)
    }

    private func probe(_ definition: HealthCheckDefinition, environment: DeployEnvironment) async -> (Bool, String) {
        switch definition.probe {
        case .command(let command):
            let result = await commands.run(
                command, environment: environment.variables.merging(secrets) { _, secret in secret },
                timeout: definition.timeout)
            return (result.succeeded, "command: \(result.summary)")
        case .http(let address):
            return await Self.get(address, timeout: definition.timeout)
        }
    }

    /// One GET; passes when the final answer (after any redirects) is 2xx.
    static func get(_ address: String, timeout: Duration) async -> (Bool, String) {
        guard let url = URL(string: address) else { return (false, "\(address) is not a valid URL") }
        let result = await ShortRequest.check(url, label: address, timeout: timeout)
        return (result.passed, result.detail)
    }
}
