/// A rule a scanner applies, as reports describe it.
public struct RuleDescriptor: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var description: String
    public var severity: Severity

    public init(id: String, name: String, description: String, severity: Severity) {
        self.id = id
        self.name = name
        self.description = description
        self.severity = severity
    }
}

/// Why a finding does not block: what kind of decision, and the words for people.
public struct Suppression: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Accepted in a baseline, or already present in the baseline compared against.
        case baseline
        /// Covered by an active waiver.
        case waiver
        /// Below the threshold that blocks (`--fail-on-cvss`, `--max-risk`).
        case threshold
        /// A VEX statement says the product is not affected.
        case vex
        /// Already in what the environment runs (regression-only policies).
        case alreadyDeployed = "already_deployed"
    }

    public var kind: Kind
    /// Why, for people: "waived by alice until 2027-01-01: not reachable".
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}

/// One thing a scanner found, with where it is and whether it blocks.
public struct Finding: Sendable, Hashable, Codable {
    public var ruleID: String
    public var severity: Severity
    /// What is wrong, in words; never contains a secret.
    public var message: String
    /// The file (relative to the scan root), when there is one.
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// A commit, for findings in git history.
    public var commit: String?
    /// A short, redacted excerpt.
    public var snippet: String?
    /// Stable identity across scans (for baselines and SARIF `partialFingerprints`).
    public var fingerprint: String
    /// Why it does not block, when it does not.
    public var suppressed: Suppression?

    public init(
        ruleID: String, severity: Severity, message: String, file: String? = nil, line: Int? = nil,
        column: Int? = nil, commit: String? = nil, snippet: String? = nil, fingerprint: String,
        suppressed: Suppression? = nil
    ) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.commit = commit
        self.snippet = snippet
        self.fingerprint = fingerprint
        self.suppressed = suppressed
    }

    /// `file:line:col` (or what part of it is known).
    public var location: String {
        guard let file else { return commit.map { "commit \($0.prefix(12))" } ?? "-" }
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        if let commit { text = "\(commit.prefix(12)):" + text }
        return text
    }
}
