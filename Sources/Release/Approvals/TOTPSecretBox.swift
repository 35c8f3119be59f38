import Crypto
import Foundation
import GantryCore
import Glibc

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
        let folder = stateDirectory.appendingPathComponent("keys")
        try PrivateState.prepareDirectory(folder)
        let path = folder.appendingPathComponent("totp.key").path
        if let existing = FileManager.default.contents(atPath: path) {
            guard existing.count == 32 else {
                throw ReleaseError.input("\(path) is not a TOTP key (expected 32 bytes); restore it from a backup")
            }
            key = SymmetricKey(data: existing)
            return
        }
        let fresh = SymmetricKey(size: .bits256)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST, let raced = FileManager.default.contents(atPath: path), raced.count == 32 {
            key = SymmetricKey(data: raced)  // another process created it first
            return
        }
        guard fd >= 0 else {
            throw ReleaseError.input("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = fresh.withUnsafeBytes { Array($0) }
        guard RawFile.writeAll(fd, bytes), fsync(fd) == 0 else {
            throw ReleaseError.input("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        key = fresh
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
