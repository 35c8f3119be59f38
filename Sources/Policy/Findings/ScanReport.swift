public import GantryCore

/// What one scanner run produced: the rules it applied, its findings, and the inputs it could not read.
public struct ScanReport: Sendable {
    /// `secrets`, `dockerfile`, `terraform`, `vulnerabilities`.
    public var scanner: String
    public var rules: [RuleDescriptor]
    public var findings: [Finding]
    /// Inputs skipped, with why (binary, unreadable, malformed) — reported, never fatal.
    public var warnings: [String]
    /// Scanner-specific figures (files scanned, bytes, risk score, …) for text and JSON output.
    public var summary: [String: String]
    /// Findings at or above this severity block (exit 1) unless suppressed.
    public var blockingSeverity: Severity

    public init(
        scanner: String, rules: [RuleDescriptor], findings: [Finding] = [], warnings: [String] = [],
        summary: [String: String] = [:], blockingSeverity: Severity = .low
    ) {
        self.scanner = scanner
        self.rules = rules
        self.findings = findings
        self.warnings = warnings
        self.summary = summary
        self.blockingSeverity = blockingSeverity
    }

    /// Findings that are not suppressed and reach the blocking severity.
    public var blocking: [Finding] {
        findings.filter { $0.suppressed == nil && $0.severity >= blockingSeverity }
    }

    /// 0 when nothing blocks, 1 otherwise.
    public var exitStatus: ExitStatus { blocking.isEmpty ? .success : .failure }
}
