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
                More than 150 rules: cloud, forge, registry, CI, payment, AI and chat providers' token \
                formats, PEM private keys, JWTs, credentials in URLs, curl and Authorization headers, and a \
                generic rule for secret-looking assignments in any language, with placeholder suppression. \
                Add rules and allowlists in .gantry/secrets.yml, or bring a .gitleaks.toml (and a \
                .gitleaksignore) or a detect-secrets .secrets.baseline; silence one line with a \
                'gantry:allow-secret' comment; accept existing findings with --baseline. Findings show a \
                redacted value, never the secret.
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
                "Rules and allowlists: Gantry's YAML or a gitleaks .toml (default: .gantry.secrets.yml or gantry-secrets.yml here, else .gitleaks.toml in PATH or here, else .gantry/secrets.yml)."
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
            let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let (settings, accepted) = try SecretScanSetup.load(
                config: config, baseline: baseline, searching: [current, Self.directory(of: path)],
                stateConfig: StateLocation.directory.appendingPathComponent("secrets.yml"))
            var scanner = try SecretScanner(config: settings, baseline: accepted)
            let meter = ProgressMeter.forTerminal(json: output.json)
            scanner.progress = meter?.handler
            scanner.respectGitignore = !noGitignore
            let target = URL(fileURLWithPath: path)
            var report = gitHistory ? try scanner.scanGitHistory(target) : try scanner.scan(target)
            meter?.finish()
            try await output.applyWaivers(to: &report)
            if let writeBaseline {
                try SecretBaseline.write(report.findings, to: writeBaseline)
            }
            try output.emit(report)
        }

        /// The scanned directory (a file's directory).
        static func directory(of path: String) -> URL {
            var isDirectory: ObjCBool = false
            let url = URL(fileURLWithPath: path).standardizedFileURL
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return url
            }
            return url.deletingLastPathComponent()
        }
    }
}
