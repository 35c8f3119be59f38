import ArgumentParser
import Artifacts
import Composition
import Engine
import Foundation
import GantryCore
import Policy
import Store

extension ScanCommand {
    struct Vulns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vulns",
            abstract: "Match dependencies against the offline OSV database (gantry vulndb import).",
            discussion: """
                The target is a directory (its lockfiles), a CycloneDX SBOM (JSON), or an artifact APP@sha256:… \
                (its content's lockfiles). Versions are compared per ecosystem (PEP 440, SemVer, Go, dpkg); \
                aliases are merged; CVSS v3 scores are computed from the vectors. Findings at or above \
                --fail-on-cvss block (exit 1).
                """)

        @Argument(help: "A directory, SBOM.json, or APP@sha256:….")
        var target: String

        @Option(help: "Findings with a CVSS score at or above this fail the scan (without a score: high and critical).")
        var failOnCvss: Double = 7.0

        @Flag(help: "Leave out findings that have no fixed version.")
        var onlyFixed = false

        @Option(
            help:
                "Block only on findings new relative to this baseline (a directory, SBOM or APP@DIGEST, e.g. what prod runs)."
        )
        var compareTo: String?

        @Option(help: "An OpenVEX document: not_affected statements suppress their findings.")
        var vex: String?

        @Flag(
            name: .customLong("allow-empty-db"),
            help: "Scan even when the vulnerability database is empty (then nothing is checked: by default an error).")
        var allowEmptyDatabase = false

        @Flag(
            name: .customLong("allow-no-packages"),
            help:
                "Scan even when the target pins no package (no lockfile, or lockfiles without pins): by default an error, as the scan would check nothing."
        )
        var allowNoPackages = false

        @OptionGroup var output: ScanOutputOptions

        func validate() throws {
            if !(0...10).contains(failOnCvss) { throw ValidationError("--fail-on-cvss must be from 0.0 to 10.0") }
        }

        func run() async throws {
            let state = try StateLocation.services.vulnerabilityDatabase()
            let emptyDatabase = try await state.osvStatus().isEmpty
            if emptyDatabase && !allowEmptyDatabase {
                throw InputError(
                    "the vulnerability database is empty, so this scan would check nothing: import one first "
                        + "('gantry vulndb import FILE.zip', an osv.dev export), or pass --allow-empty-db")
            }
            let packages = try Self.packages(of: target, allowNone: allowNoPackages)
            let lookup = try await VulnerabilityScanner.prefetched(packages) {
                try await state.osvRecords(ecosystem: $0, name: $1)
            }
            let scanner = VulnerabilityScanner(lookup: lookup, failOnCVSS: failOnCvss, onlyFixed: onlyFixed)
            var report = try scanner.scan(packages)
            var extra: [String] = []
            if let compareTo {
                let baseline = try scanner.scan(try Self.packages(of: compareTo, allowNone: true))
                let (added, removed) = VulnerabilityScanner.compare(&report, to: baseline)
                extra += added.map { "+ added:   \($0.ruleID) \($0.message)" }
                extra += removed.map { "- removed: \($0.ruleID) \($0.message)" }
            }
            if let vex {
                try OpenVEX.load(path: vex).apply(to: &report)
            }
            let subject = target.contains("@sha256:") ? target.split(separator: "@").map(String.init) : []
            try await output.applyWaivers(
                to: &report, app: subject.first, digest: subject.count == 2 ? Digest(parsing: subject[1]) : nil)
            if emptyDatabase {
                report.warnings.append("the vulnerability database is empty: nothing was checked (--allow-empty-db)")
            }
            try output.emit(report, extra: extra)
        }

        /// The packages a target names; unless `allowNone`, none is an error (the scan would check nothing).
        static func packages(of target: String, allowNone: Bool) throws -> [PackageVersion] {
            let hint = "pass --allow-no-packages"
            if FileManager.default.fileExists(atPath: target) {
                return try LockfilePackages.requiring(
                    path: URL(fileURLWithPath: target), allowNone: allowNone, allowHint: hint)
            }
            guard target.contains("@sha256:") || target.hasPrefix("sha256:") else {
                throw InputError("\(target): no such file or directory, and not an artifact reference (APP@sha256:…)")
            }
            let store = try ArtifactCommand.store()
            let artifact = try store.resolve(try ArtifactReference(parsing: target))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gantry-scan-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try store.unpack(artifact, into: directory)
            do {
                return try LockfilePackages.requiring(directory: directory, allowNone: allowNone, allowHint: hint)
            } catch let error as InputError {
                // The temporary directory means nothing to the reader: name the artifact.
                throw InputError(error.description.replacingOccurrences(of: directory.path, with: target))
            }
        }
    }
}
