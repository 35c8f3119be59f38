import Crypto
public import Foundation
import GantryCore
public import StateModel

/// Making and recognising API tokens. A token is `gantry_` followed by 48 hex digits (192 random
/// bits); the state keeps only its SHA-256, so a copy of the database grants nothing.
public enum APITokens {
    /// The prefix every token starts with (secret scanners can recognise it).
    public static let prefix = "gantry_"

    /// A new token for `user` with `role`, valid until `expiresAt` (nil: until revoked). Returns the
    /// token to show once and the record to store.
    public static func issue(user: String, role: ServerRole, expiresAt: Date?, now: Date = Date()) throws -> (
        token: String, record: APITokenRecord
    ) {
        guard isValidUser(user) else {
            throw InputError("user name '\(user)' must be 1–64 letters, digits or . _ @ -")
        }
        let token = prefix + randomHex(bytes: 24)
        let record = APITokenRecord(
            id: "tok_" + randomHex(bytes: 6), user: user, role: role, hash: hash(token), createdAt: now,
            expiresAt: expiresAt)
        return (token, record)
    }

    /// Lowercase hex SHA-256 of the token's text.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    /// Whether `text` has a token's shape (checked before any lookup).
    public static func looksLikeToken(_ text: String) -> Bool {
        // Bytes, not Characters: this runs on every request.
        let bytes = text.utf8
        return bytes.count == prefix.utf8.count + 48 && bytes.starts(with: prefix.utf8)
            && bytes.dropFirst(prefix.utf8.count).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func isValidUser(_ user: String) -> Bool {
        (1...64).contains(user.count)
            && user.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._@-".unicodeScalars.contains($0)
            }
    }

    /// `count` random bytes from the system generator, as hex (token secrets, ids, session ids).
    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }
}
