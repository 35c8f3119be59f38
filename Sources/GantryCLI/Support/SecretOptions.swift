import ArgumentParser
import Foundation
import GantryCore
import Processes

/// Where a command takes secrets from (`run` to inject them, `plan` to compute the same avoidance keys).
struct SecretOptions: ParsableArguments {
    @Option(
        name: .customLong("secret"),
        help:
            "A secret: NAME takes the value of environment variable NAME; NAME=VALUE takes VALUE (the process list shows it until Gantry scrubs it at start; prefer NAME). Repeatable."
    )
    var secrets: [String] = []

    @Option(name: .customLong("secret-file"), help: "A secret as NAME=PATH: the file's content. Repeatable.")
    var secretFiles: [String] = []

    @Option(name: .customLong("secret-stdin"), help: "A secret read from standard input, to its end.")
    var secretStdin: String?

    @Option(name: .customLong("secrets-file"), help: "A dotenv file of secrets (NAME=value per line).")
    var secretsFile: String?

    /// True when a secret flag was given.
    var hasFlags: Bool { !secrets.isEmpty || !secretFiles.isEmpty || secretStdin != nil || secretsFile != nil }

    /// Refuses secret flags for a command sent to a server: the server deploys with its own secrets.
    func refuseRemote() throws {
        if hasFlags {
            throw ValidationError(
                "secret flags apply to deployments run here; with --server the server deploys with the secrets it was started with (GANTRY_SECRET_* of 'gantry serve')"
            )
        }
    }

    /// The secrets from `GANTRY_SECRET_*` and the flags, scrubbed from this process's command line and
    /// environment once read: other processes (a step included) must not find them in /proc.
    func load(environment: [String: String]) throws -> [String: String] {
        var secretSet = SecretSet()
        try secretSet.add(environment: environment)
        if let secretsFile { try secretSet.add(dotenvFile: secretsFile) }
        for flag in secrets { try secretSet.add(flag: flag, environment: environment) }
        for flag in secretFiles { try secretSet.add(fileFlag: flag) }
        if let secretStdin { try secretSet.add(name: secretStdin, readingFrom: FileHandle.standardInput) }
        ProcessSecrecy.scrub(values: secretSet.values.values, environmentNames: secretSet.environmentSources)
        if secretSet.valueOnCommandLine {
            Terminal.printError(
                "warning: --secret NAME=VALUE put a secret on the command line, where the process list shows it until Gantry scrubs it; prefer --secret NAME with the value in $NAME, --secret-file or --secret-stdin"
            )
        }
        return secretSet.values
    }
}
