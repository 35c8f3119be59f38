import ArgumentParser
import Engine
import Foundation
import GantryCore
import Policy
import Store

/// `--json` and `--sarif FILE`, shared by the scanners; prints a report and sets the exit status
/// (0 nothing blocking, 1 blocking findings).
struct ScanOutputOptions: ParsableArguments {
    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Also write a SARIF 2.1.0 report to this file.")
    var sarif: String?

    @Option(help: "Waivers to apply (default: .gantry/waivers.yml when it exists). Each waiver used is audited.")
    var waivers: String?

    /// Applies the waivers file (when there is one) to `report` and audits each waiver used.
    func applyWaivers(to report: inout ScanReport, app: String? = nil, digest: Digest? = nil) async throws {
        let application = try WaiverFile.load(waivers).apply(to: &report, app: app, digest: digest)
        guard !application.used.isEmpty else { return }
        let state = try StateLocation.repositories()
        for waiver in application.used {
            try await state.appendAudit(
                actor: AuditActor.current(), action: "waiver",
                subject: app.map { "\($0)@\(digest?.description ?? "")" } ?? "scan:\(report.scanner)",
                details: ["id": waiver.id, "approved_by": waiver.approvedBy, "reason": waiver.reason])
        }
    }

    func emit(_ report: ScanReport, extra: [String] = []) throws {
        if let sarif {
            do {
                try SARIFReport.data([report], toolVersion: ToolVersions.gantry).write(
                    to: URL(fileURLWithPath: sarif), options: .atomic)
            } catch {
                throw InputError("--sarif \(sarif): cannot be written: \(FileErrorText.describe(error))")
            }
        }
        if json {
            Terminal.printOut(Terminal.json(Self.jsonObject(report)))
        } else {
            for finding in report.findings {
                let status = finding.suppressed.map { " [suppressed: \($0)]" } ?? ""
                print(
                    "\(finding.location): \(finding.severity.rawValue): \(finding.ruleID): \(finding.message)\(status)")
            }
            for warning in report.warnings { Terminal.printError("warning: \(warning)") }
            for line in extra { print(line) }
            let blocking = report.blocking.count
            let summary = report.summary.keys.sorted().map { "\($0) \(report.summary[$0] ?? "")" }.joined(
                separator: ", ")
            print(
                "\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s"), \(blocking) blocking\(summary.isEmpty ? "" : " (\(summary))")"
            )
        }
        if !report.blocking.isEmpty { throw CommandExit(status: .failure) }
    }

    static func jsonObject(_ report: ScanReport) -> [String: Any] {
        [
            "scanner": report.scanner, "summary": report.summary, "warnings": report.warnings,
            "blocking": report.blocking.count,
            "findings": report.findings.map { finding -> [String: Any] in
                var object: [String: Any] = [
                    "rule": finding.ruleID, "severity": finding.severity.rawValue, "message": finding.message,
                    "fingerprint": finding.fingerprint,
                    "blocking": finding.suppressed == nil && finding.severity >= report.blockingSeverity,
                ]
                object["file"] = finding.file
                object["line"] = finding.line
                object["column"] = finding.column
                object["commit"] = finding.commit
                object["snippet"] = finding.snippet
                object["suppressed"] = finding.suppressed?.reason
                object["suppression_kind"] = finding.suppressed?.kind.rawValue
                return object
            },
        ]
    }
}
