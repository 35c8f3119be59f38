import Engine
import Foundation
import GantryCore
import Policy
import StateModel

/// Shared handling of a scan inside a step: log the findings, write SARIF when asked, set outputs,
/// and fail the step on blocking findings unless `fail: false`.
enum ScanStep {
    static func finish(_ report: ScanReport, _ invocation: ActionInvocation, action: String) throws -> [String: String]
    {
        for finding in report.findings {
            invocation.log(
                "\(finding.location): \(finding.severity.rawValue): \(finding.ruleID): \(finding.message)"
                    + (finding.suppressed.map { " [suppressed: \($0)]" } ?? ""))
        }
        for warning in report.warnings { invocation.log("warning: \(warning)") }
        if let sarif = invocation.with["sarif"], !sarif.isEmpty {
            let url = URL(fileURLWithPath: sarif, relativeTo: invocation.workingDirectory)
            do {
                try SARIFReport.data([report], toolVersion: ToolVersions.gantry).write(to: url, options: .atomic)
            } catch {
                throw ActionError("gantry/\(action): cannot write \(sarif): \(FileErrorText.describe(error))")
            }
        }
        var outputs = ["findings": String(report.findings.count), "blocking": String(report.blocking.count)]
        for (key, value) in report.summary { outputs[key.replacingOccurrences(of: "_", with: "-")] = value }
        let fail = (invocation.with["fail"] ?? "true").lowercased() != "false"
        if fail && !report.blocking.isEmpty {
            throw ActionError("gantry/\(action): \(report.blocking.count) blocking finding(s)")
        }
        return outputs
    }

    static func input<T: Sendable>(_ action: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            // A scan reads a whole tree: it blocks its thread, so not a cooperative one.
            return try await BlockingWork.run(body)
        } catch let error as SecretScanError {
            throw ActionError("gantry/\(action): \(error)")
        } catch let error as VulnerabilityError {
            throw ActionError("gantry/\(action): \(error)")
        }
    }
}

/// `uses: gantry/scan-secrets` with `path` (default `.`), `baseline`, `config`, `sarif`, `fail`; the
/// repository's own secrets config (or `.gitleaks.toml`) and `.gitleaksignore` are found as the CLI
/// finds them (`SecretScanSetup`).
struct ScanSecretsAction: BuiltinAction {
    static let name = "scan-secrets"
    static let inputs = ["path", "baseline", "config", "sarif", "fail"]

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        let root = invocation.workingDirectory
        let report = try await ScanStep.input(Self.name) {
            let target = URL(fileURLWithPath: invocation.with["path"] ?? ".", relativeTo: root)
            let (config, baseline) = try SecretScanSetup.load(
                config: invocation.with["config"].map { URL(fileURLWithPath: $0, relativeTo: root).path },
                baseline: invocation.with["baseline"].map { URL(fileURLWithPath: $0, relativeTo: root).path },
                searching: [root, target])
            return try SecretScanner(config: config, baseline: baseline).scan(target)
        }
        return try ScanStep.finish(report, invocation, action: Self.name)
    }
}

/// `uses: gantry/scan-vulns` with `path` (a directory or a CycloneDX SBOM), `fail-on-cvss`, `only-fixed`,
/// `sarif`, `fail`, `allow-empty-db`, `allow-no-packages`. Uses the database `gantry vulndb import`
/// filled; an empty one fails the step (a scan that checks nothing must not pass) unless
/// `allow-empty-db: "true"`, and so does a path that pins no package unless `allow-no-packages: "true"`.
struct ScanVulnsAction: BuiltinAction {
    static let name = "scan-vulns"
    static let inputs = [
        "path", "fail-on-cvss", "only-fixed", "sarif", "fail", "allow-empty-db", "allow-no-packages",
    ]
    let services: ActionServices

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        let target = URL(fileURLWithPath: invocation.with["path"] ?? ".", relativeTo: invocation.workingDirectory)
        guard let threshold = Double(invocation.with["fail-on-cvss"] ?? "7.0"), (0...10).contains(threshold) else {
            throw ActionError("gantry/scan-vulns: fail-on-cvss must be a number from 0.0 to 10.0")
        }
        let state = try services.vulnerabilities()
        guard FileManager.default.fileExists(atPath: target.path) else {
            throw ActionError("gantry/scan-vulns: \(target.path) does not exist")
        }
        let emptyDatabase = try await state.osvStatus().isEmpty
        if emptyDatabase && (invocation.with["allow-empty-db"] ?? "false").lowercased() != "true" {
            throw ActionError(
                "gantry/scan-vulns: the vulnerability database is empty, so the scan would check nothing: run "
                    + "'gantry vulndb import FILE.zip' before the run (or set allow-empty-db: \"true\")")
        }
        let allowNone = (invocation.with["allow-no-packages"] ?? "false").lowercased() == "true"
        let packages = try await ScanStep.input(Self.name) {
            do {
                return try LockfilePackages.requiring(
                    path: target, allowNone: allowNone, allowHint: "set allow-no-packages: \"true\"")
            } catch let error as InputError {
                throw ActionError("gantry/\(Self.name): \(error.description)")
            }
        }
        let lookup = try await VulnerabilityScanner.prefetched(packages) {
            try await state.osvRecords(ecosystem: $0, name: $1)
        }
        let scanner = VulnerabilityScanner(
            lookup: lookup, failOnCVSS: threshold,
            onlyFixed: (invocation.with["only-fixed"] ?? "false").lowercased() == "true")
        var report = try scanner.scan(packages)
        if emptyDatabase {
            report.warnings.append("the vulnerability database is empty: nothing was checked (allow-empty-db)")
        }
        return try ScanStep.finish(report, invocation, action: Self.name)
    }
}

/// `uses: gantry/scan-dockerfile` with `files` (one per line, default `Dockerfile`), `sarif`, `fail`.
struct ScanDockerfileAction: BuiltinAction {
    static let name = "scan-dockerfile"
    static let inputs = ["files", "sarif", "fail"]

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        let files = (invocation.with["files"] ?? "Dockerfile").split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { URL(fileURLWithPath: $0, relativeTo: invocation.workingDirectory).path }
        let report = try await ScanStep.input(Self.name) { try DockerfileScanner().scan(files: files) }
        return try ScanStep.finish(report, invocation, action: Self.name)
    }
}

/// `uses: gantry/scan-terraform` with `plan` (JSON from `terraform show -json`), `markdown`, `sarif`,
/// `fail`. Outputs `risk-score`.
struct ScanTerraformAction: BuiltinAction {
    static let name = "scan-terraform"
    static let inputs = ["plan", "markdown", "sarif", "fail"]

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        guard let plan = invocation.with["plan"], !plan.isEmpty else {
            throw ActionError("gantry/scan-terraform needs 'plan:' (the output of terraform show -json)")
        }
        let report = try await ScanStep.input(Self.name) {
            try TerraformPlanScanner().scan(
                planAt: URL(fileURLWithPath: plan, relativeTo: invocation.workingDirectory).path)
        }
        if let markdown = invocation.with["markdown"], !markdown.isEmpty {
            try TerraformPlanScanner.markdown(report).write(
                to: URL(fileURLWithPath: markdown, relativeTo: invocation.workingDirectory), atomically: true,
                encoding: .utf8)
        }
        return try ScanStep.finish(report, invocation, action: Self.name)
    }
}
