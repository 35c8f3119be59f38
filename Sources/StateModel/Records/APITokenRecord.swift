public import Foundation

/// What a token may do on a server, from least to most. Each role can do what the ones below it can.
public enum ServerRole: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads runs, artifacts, environments and the audit log.
    case viewer
    /// Also triggers and cancels runs.
    case developer
    /// Also promotes, approves and rolls back (where the environment's rules allow).
    case releaser
    /// Also manages tokens and users.
    case admin

    public var description: String { rawValue }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .developer: 1
        case .releaser: 2
        case .admin: 3
        }
    }

    public static func < (lhs: ServerRole, rhs: ServerRole) -> Bool { lhs.rank < rhs.rank }
}

/// One API token. Only the SHA-256 of the secret is stored; the secret is shown once, when created.
public struct APITokenRecord: Sendable, Codable, Hashable {
    /// A short public id (`tok_…`), for `tokens list` and `tokens revoke`.
    public var id: String
    /// Whom requests made with it act as (recorded in the audit log).
    public var user: String
    public var role: ServerRole
    /// Lowercase hex SHA-256 of the whole token string.
    public var hash: String
    public var createdAt: Date
    /// Nil: it does not expire.
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public init(
        id: String, user: String, role: ServerRole, hash: String, createdAt: Date, expiresAt: Date? = nil,
        revokedAt: Date? = nil, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.user = user
        self.role = role
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// Usable at `date`: not revoked and not expired.
    public func isValid(at date: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > date } ?? true)
    }
}
