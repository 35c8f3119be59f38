public import Crypto
import Foundation
import GantryCore

/// One row of the append-only audit log. Each row's `hash` covers the previous row's hash and the
/// row's own canonical JSON, so editing, deleting or reordering rows breaks the chain.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the log, from 1.
    public var sequence: Int64
    public var timestamp: Date
    /// Who did it (`$USER` for the CLI, a user or token name on a server).
    public var actor: String
    /// What happened: `pack`, `attest`, `run`, `promote`, `approve`, `rollback`, `policy`, `waiver`, `gc`, …
    public var action: String
    /// What it happened to, e.g. `web@sha256:…` or a run id.
    public var subject: String
    /// Details as string pairs (already free of secrets).
    public var details: [String: String]
    public var previousHash: String
    public var hash: String
    /// How `hash` was computed: `1` SHA-256 (rows written before the log was keyed), `2` HMAC-SHA-256
    /// with the state's audit key.
    public var scheme: Int = 2

    /// The hash of the first row's predecessor.
    public static let genesis = String(repeating: "0", count: 64)

    /// `HMAC-SHA-256(key, previousHash + "\n" + canonical JSON of sequence, timestamp, actor, action,
    /// subject, details)`, or plain SHA-256 of the same bytes without a key (scheme 1).
    public static func computeHash(
        sequence: Int64, timestamp: Date, actor: String, action: String, subject: String, details: [String: String],
        previousHash: String, key: SymmetricKey? = nil
    ) -> String {
        struct Body: Encodable {
            var sequence: Int64
            var timestamp: String
            var actor: String
            var action: String
            var subject: String
            var details: [String: String]
        }
        let body = Body(
            sequence: sequence, timestamp: Timestamp.iso8601(timestamp), actor: actor, action: action, subject: subject,
            details: details)
        var data = Data((previousHash + "\n").utf8)
        data.append((try? CanonicalJSON.encode(body)) ?? Data())
        guard let key else { return Digest.sha256(data).hex }
        return HMAC<SHA256>.authenticationCode(for: data, using: key).hexString
    }

    public init(
        sequence: Int64, timestamp: Date, actor: String, action: String, subject: String, details: [String: String],
        previousHash: String, hash: String, scheme: Int = 2
    ) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.actor = actor
        self.action = action
        self.subject = subject
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
        self.scheme = scheme
    }
}

/// Who is acting: `GANTRY_ACTOR`, else the login name (`USER`, `LOGNAME`), else the account the
/// process runs as (containers and CI often set neither variable), else `unknown`.
public enum AuditActor {
    public static func current(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for key in ["GANTRY_ACTOR", "USER", "LOGNAME"] {
            if let value = environment[key], !value.isEmpty { return value }
        }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name, name.pointee != 0 {
            return String(cString: name)
        }
        return "unknown"
    }
}

/// The result of checking the chain.
public struct AuditVerification: Sendable, Hashable {
    /// Rows checked.
    public var count: Int
    /// The newest signed checkpoint the rows were checked against, if any.
    public var anchoredAt: Int64?
    /// The last row's hash: record it elsewhere to detect a truncated log later.
    public var headHash: String
    /// Each problem found, naming the row.
    public var problems: [String]

    public var isIntact: Bool { problems.isEmpty }

    public init(count: Int, anchoredAt: Int64? = nil, headHash: String, problems: [String]) {
        self.count = count
        self.anchoredAt = anchoredAt
        self.headHash = headHash
        self.problems = problems
    }
}
