import Crypto
import Foundation
import GantryCore

/// Encrypts TOTP secrets at rest: AES-256-GCM with a key kept in `<state>/keys/totp.key` (mode 0600),
/// created on first use. A copy of `state.db` alone reveals no TOTP secret.
///
/// Stored form: `enc:v1:` followed by base64 of nonce ‖ ciphertext ‖ tag; the user's name is the
/// authenticated data, so a secret copied onto another user's row does not decrypt. Secrets written by
/// older versions (plain base32) are still read, and are encrypted when the user enrols again.
public struct TOTPSecretBox: Sendable {
    private let key: SymmetricKey
    static let prefix = "enc:v1:"

    /// Loads the key from `<stateDirectory>/keys/totp.key`, creating it (0600, in a 0700 folder) when missing.
    /// - Throws: `ReleaseError.input` when the key file exists but is not a 32-byte key.
    public init(stateDirectory: URL) throws {
        let path = stateDirectory.appendingPathComponent("keys/totp.key").path
        do {
            key = try SymmetricKeyFile.loadOrCreate(path, what: "a TOTP key")
        } catch {
            throw ReleaseError.input(error.message)
        }
    }

    /// The stored form of `secret` for `user`.
    public func seal(_ secret: [UInt8], user: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret), using: key, authenticating: Data(user.utf8))
        guard let combined = box.combined else { throw ReleaseError.input("cannot encrypt the TOTP secret") }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The secret from its stored form, or nil when it cannot be read (wrong key, tampered, malformed).
    public func open(_ stored: String, user: String) -> [UInt8]? {
        guard stored.hasPrefix(Self.prefix) else { return Base32.decode(stored) }
        guard let combined = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Data(user.utf8))
        else { return nil }
        return Array(plain)
    }
}
