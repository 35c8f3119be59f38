import Foundation

/// Where Gantry finds the signing key: a flag, else `GANTRY_SIGNING_KEY`, else
/// `<state>/keys/signing.key` (`gantry keys generate` writes it there).
public enum KeyLocation {
    /// The default private key path in a state directory.
    public static func defaultPrivateKey(in stateDirectory: URL) -> String {
        stateDirectory.appendingPathComponent("keys/signing.key").path
    }

    /// The default public key path in a state directory.
    public static func defaultPublicKey(in stateDirectory: URL) -> String {
        stateDirectory.appendingPathComponent("keys/signing.pub").path
    }

    /// The public keys to trust: each of `flags` (which must load), else the state's default public key
    /// when it exists, else none.
    public static func trustedKeys(flags: [String], stateDirectory: URL) throws -> [VerificationKey] {
        guard flags.isEmpty else { return try flags.map { try VerificationKey.load(from: $0) } }
        let fallback = defaultPublicKey(in: stateDirectory)
        return FileManager.default.fileExists(atPath: fallback) ? [try VerificationKey.load(from: fallback)] : []
    }

    /// The private key to sign with, or nil when none is configured and the default does not exist.
    /// A path given explicitly (flag or variable) must exist.
    public static func signingKey(
        flag: String?, environment: [String: String], stateDirectory: URL
    ) throws -> SigningKey? {
        if let path = flag ?? environment["GANTRY_SIGNING_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return try SigningKey.load(from: path)
        }
        let fallback = defaultPrivateKey(in: stateDirectory)
        return FileManager.default.fileExists(atPath: fallback) ? try SigningKey.load(from: fallback) : nil
    }
}
