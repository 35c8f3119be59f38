/// How bad a finding is, in the order scanners and CVSS use.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case low
    case medium
    case high
    case critical

    /// 0 (info) to 4 (critical).
    public var rank: Int {
        switch self {
        case .info: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// The SARIF `level`: critical/high → error, medium → warning, low/info → note.
    public var sarifLevel: String {
        switch self {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    /// GitHub code scanning's `security-severity` property (a CVSS-like 0.0–10.0 score).
    public var securitySeverity: String {
        switch self {
        case .critical: "9.5"
        case .high: "8.0"
        case .medium: "5.5"
        case .low: "2.0"
        case .info: "0.0"
        }
    }

    /// Parses `low`, `MEDIUM`, …; nil for anything else.
    public init?(name: String) {
        guard let value = Severity(rawValue: name.lowercased()) else { return nil }
        self = value
    }
}
