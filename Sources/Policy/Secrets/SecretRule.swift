public import Foundation
public import GantryCore

/// A secret detection rule: a regular expression (ICU syntax, which accepts gitleaks' RE2 patterns),
/// the keywords that must occur on the line before the regex is tried, the capture group holding the
/// secret, an optional minimum Shannon entropy, and allowlisted secrets.
public struct SecretRule: @unchecked Sendable {
    public var id: String
    public var description: String
    public var severity: Severity
    /// Lowercase substrings; at least one must occur on the line (case-insensitively).
    public var keywords: [String]
    public let regex: NSRegularExpression
    /// The capture group holding the secret (0 = the whole match).
    public var secretGroup: Int
    /// Secrets with lower entropy are not reported.
    public var entropy: Double?
    /// Secrets matching any of these are not reported (e.g. documented example keys).
    public var allowRegexes: [NSRegularExpression]
    /// Secrets containing any of these (lowercase) are not reported.
    public var stopwords: [String]
    /// Extra check on the secret (generic rule: not a variable reference, not a digest).
    public var accept: @Sendable (String) -> Bool
    /// A group that must hold the secret's body (PEM keys): when it did not match on the line, the
    /// next line must look like base64 for the finding to count.
    public var bodyGroup: Int?
    /// Only files whose path matches are checked by this rule (gitleaks' rule `path`).
    public var onlyPaths: NSRegularExpression?
    /// Files whose path matches are never checked by this rule (a rule's own path allowlist).
    public var allowPaths: [NSRegularExpression] = []

    /// Whether the rule looks at `file` (a path relative to the scanned root; nil: not a file).
    func applies(to file: String?) -> Bool {
        guard onlyPaths != nil || !allowPaths.isEmpty else { return true }
        let path = file ?? ""
        let range = NSRange(path.startIndex..., in: path)
        if let onlyPaths, onlyPaths.firstMatch(in: path, range: range) == nil { return false }
        return !allowPaths.contains { $0.firstMatch(in: path, range: range) != nil }
    }

    public init(
        id: String, description: String, severity: Severity = .high, keywords: [String], regex: String,
        secretGroup: Int = 1, entropy: Double? = nil, allow: [String] = [], stopwords: [String] = [],
        bodyGroup: Int? = nil, accept: @escaping @Sendable (String) -> Bool = { _ in true }
    ) throws {
        self.bodyGroup = bodyGroup
        self.id = id
        self.description = description
        self.severity = severity
        self.keywords = keywords.map { $0.lowercased() }
        do {
            self.regex = try NSRegularExpression(pattern: regex)
            self.allowRegexes = try allow.map { try NSRegularExpression(pattern: $0) }
        } catch {
            throw SecretScanError.config("rule \(id): invalid regex: \(error.localizedDescription)")
        }
        self.secretGroup = secretGroup
        self.entropy = entropy
        self.stopwords = stopwords.map { $0.lowercased() }
        self.accept = accept
        guard secretGroup >= 0, secretGroup <= self.regex.numberOfCaptureGroups else {
            throw SecretScanError.config(
                "rule \(id): secret-group \(secretGroup) but the regex has \(self.regex.numberOfCaptureGroups) group(s)"
            )
        }
    }

    /// The descriptor reports show.
    public var descriptor: RuleDescriptor {
        RuleDescriptor(id: id, name: id, description: description, severity: severity)
    }

    /// Secrets this rule reports in `line`: the secret, its 1-based column (in characters), and whether
    /// it still needs its body on the next line.
    func matches(in line: String) -> [(secret: String, column: Int, needsBody: Bool)] {
        let range = NSRange(line.startIndex..., in: line)
        var found: [(String, Int, Bool)] = []
        for match in regex.matches(in: line, range: range) {
            let groupRange = match.range(at: secretGroup)
            guard groupRange.location != NSNotFound, let swiftRange = Range(groupRange, in: line) else { continue }
            let secret = String(line[swiftRange])
            if let entropy, Entropy.shannon(secret) < entropy { continue }
            let whole = NSRange(secret.startIndex..., in: secret)
            if allowRegexes.contains(where: { $0.firstMatch(in: secret, range: whole) != nil }) { continue }
            let lowered = secret.lowercased()
            if stopwords.contains(where: { lowered.contains($0) }) { continue }
            if !accept(secret) { continue }
            let column = line.distance(from: line.startIndex, to: swiftRange.lowerBound) + 1
            let needsBody = bodyGroup.map { match.range(at: $0).location == NSNotFound } ?? false
            found.append((secret, column, needsBody))
        }
        return found
    }
}

/// Errors of the secret scanner's inputs (a bad config, a missing path, a failing git): input errors,
/// exit 2.
public enum SecretScanError: GantryError, Sendable {
    case config(String)
    case input(String)

    public var description: String {
        switch self {
        case .config(let message), .input(let message): message
        }
    }

    public var exitStatus: ExitStatus { .inputError }
}
