public import Foundation
import GantryCore

/// SARIF 2.1.0 output for code-scanning tools (GitHub, GitLab, IDEs). One run per report.
public enum SARIFReport {
    public static let schema =
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// The SARIF log for `reports` (each becomes a run of the `gantry` tool).
    public static func document(_ reports: [ScanReport], toolVersion: String) -> [String: Any] {
        [
            "$schema": schema, "version": "2.1.0",
            "runs": reports.map { run($0, toolVersion: toolVersion) },
        ]
    }

    public static func data(_ reports: [ScanReport], toolVersion: String) throws -> Data {
        try JSONSerialization.data(
            withJSONObject: document(reports, toolVersion: toolVersion),
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func run(_ report: ScanReport, toolVersion: String) -> [String: Any] {
        var rules = report.rules
        for finding in report.findings where !rules.contains(where: { $0.id == finding.ruleID }) {
            rules.append(
                RuleDescriptor(
                    id: finding.ruleID, name: finding.ruleID, description: finding.message, severity: finding.severity))
        }
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        return [
            "tool": [
                "driver": [
                    "name": "gantry", "version": toolVersion, "informationUri": "https://github.com/gantry-dev/gantry",
                    "rules": rules.map { rule -> [String: Any] in
                        [
                            "id": rule.id, "name": rule.name, "shortDescription": ["text": rule.description],
                            "defaultConfiguration": ["level": rule.severity.sarifLevel],
                            "properties": [
                                "security-severity": rule.severity.securitySeverity,
                                "tags": ["security", report.scanner],
                            ],
                        ]
                    },
                ] as [String: Any]
            ],
            "automationDetails": ["id": "gantry/\(report.scanner)/"],
            "columnKind": "unicodeCodePoints",
            "results": report.findings.map { finding -> [String: Any] in
                var result: [String: Any] = [
                    "ruleId": finding.ruleID, "level": finding.severity.sarifLevel,
                    "message": ["text": finding.message],
                    "partialFingerprints": ["gantryFingerprint/v1": finding.fingerprint],
                    "properties": ["severity": finding.severity.rawValue],
                ]
                if let index = ruleIndex[finding.ruleID] { result["ruleIndex"] = index }
                if let file = finding.file {
                    var region: [String: Any] = [:]
                    if let line = finding.line { region["startLine"] = max(1, line) }
                    if let column = finding.column { region["startColumn"] = max(1, column) }
                    if let snippet = finding.snippet { region["snippet"] = ["text": snippet] }
                    var physical: [String: Any] = [
                        "artifactLocation": ["uri": uri(file), "uriBaseId": "%SRCROOT%"]
                    ]
                    if !region.isEmpty { physical["region"] = region }
                    result["locations"] = [["physicalLocation": physical]]
                }
                if let suppressed = finding.suppressed {
                    result["suppressions"] = [
                        ["kind": "external", "status": "accepted", "justification": suppressed.reason]
                    ]
                }
                if let commit = finding.commit {
                    result["properties"] = ["severity": finding.severity.rawValue, "commit": commit]
                }
                return result
            },
        ]
    }

    /// A relative URI reference for a path (percent-encoded where needed).
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}
