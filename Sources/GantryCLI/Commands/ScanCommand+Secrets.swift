import ArgumentParser
import Foundation
import GantryCore
import Policy

extension ScanCommand {
    struct Secrets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "secrets",
            abstract: "Find committed secrets in files or in git history.",
            discussion: """
                Built-in rules: AWS keys, GitHub and GitLab tokens, Slack tokens and webhooks, Stripe live \
                keys, Google API keys, PEM private keys, JWTs, npm and PyPI tokens, and a generic \
                password/secret/token/api_key assignment rule with an entropy threshold. Add rules and \
                allowlists in .gantry/secrets.yml; silence one line with a 'gantry:allow-secret' comment; \
                accept existing findings with --baseline. Findings show a redacted value, never the secret.
                """)

        @Argument(help: "A file or directory (default: the current directory).")
        var path: String = "."

        @Flag(help: "Scan the lines every commit added, with git (PATH must be in a repository).")
        var gitHistory = false

        @Option(help: "Findings whose fingerprints are in this file do not fail the scan.")
        var baseline: String?

        @Option(help: "Write the fingerprints of every finding to this file (to accept them as a baseline).")
        var writeBaseline: String?

        @Option(
            help:
                "Rules and allowlists (default: .gantry.secrets.yml or gantry-secrets.yml in the current directory, else .gantry/secrets.yml)."
        )
        var config: String?

        @Flag(
            name: .customLong("no-gitignore"),
            help:
                "In a git work tree, scan every file, also those .gitignore excludes (default: only what git would track)."
        )
        var noGitignore = false

        @OptionGroup var output: ScanOutputOptions

        func run() async throws {
            var settings = SecretsConfig()
            // The repository's own config first (it is committed and reviewed), then the local state's.
            let configPath =
                config
                ?? [".gantry.secrets.yml", "gantry-secrets.yml"].first { FileManager.default.fileExists(atPath: $0) }
                ?? StateLocation.directory.appendingPathComponent("secrets.yml").path
            if config != nil || FileManager.default.fileExists(atPath: configPath) {
                settings = try SecretsConfig.load(path: configPath)
            }
            let accepted = try baseline.map { path in try SecretBaseline.load(path: path) }
            var scanner = try SecretScanner(config: settings, baseline: accepted ?? SecretBaseline())
            let meter = ProgressMeter.forTerminal(json: output.json)
            scanner.progress = meter?.handler
            scanner.respectGitignore = !noGitignore
            let target = URL(fileURLWithPath: path)
            var report = gitHistory ? try scanner.scanGitHistory(target) : try scanner.scan(target)
            meter?.finish()
            try output.applyWaivers(to: &report)
            if let writeBaseline {
                try SecretBaseline.write(report.findings, to: writeBaseline)
            }
            try output.emit(report)
        }
    }
}
