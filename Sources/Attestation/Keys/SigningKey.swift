import Crypto
import Foundation
import GantryCore

/// An Ed25519 key pair stored as PEM: PKCS#8 for the private key (file mode 0600), SubjectPublicKeyInfo
/// for the public key, the forms OpenSSL, Python's `cryptography` and securesystemslib read.
public struct SigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() { privateKey = Curve25519.Signing.PrivateKey() }

    init(privateKey: Curve25519.Signing.PrivateKey) { self.privateKey = privateKey }

    /// The public half.
    public var publicKey: VerificationKey { VerificationKey(key: privateKey.publicKey) }

    /// Signs bytes.
    public func sign(_ data: Data) throws -> Data {
        do {
            return try privateKey.signature(for: data)
        } catch {
            throw AttestationError.signature("cannot sign: \(error)")
        }
    }

    /// PKCS#8 PEM of the private key.
    public var pem: String { PEM.encode(label: "PRIVATE KEY", der: PEM.pkcs8Prefix + privateKey.rawRepresentation) }

    /// Reads a PKCS#8 PEM private key file.
    public static func load(from path: String) throws -> SigningKey {
        let raw = try PEM.loadKey(
            path, label: "PRIVATE KEY", prefix: PEM.pkcs8Prefix, what: "an Ed25519 private key in PKCS#8 form")
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw AttestationError.keyFile("\(path): invalid Ed25519 private key")
        }
        return SigningKey(privateKey: key)
    }

    /// Writes the private key (mode 0600) and refuses to overwrite an existing file.
    public func write(to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw AttestationError.keyFile("\(path) already exists; refusing to overwrite a key") }
            throw AttestationError.keyFile("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard RawFile.writeAll(fd, Array(pem.utf8)), fsync(fd) == 0 else {
            throw AttestationError.keyFile("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// An Ed25519 public key that signatures are checked against.
public struct VerificationKey: Sendable, Hashable {
    let key: Curve25519.Signing.PublicKey

    public static func == (lhs: VerificationKey, rhs: VerificationKey) -> Bool { lhs.raw == rhs.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    var raw: Data { key.rawRepresentation }

    /// SubjectPublicKeyInfo PEM.
    public var pem: String { PEM.encode(label: "PUBLIC KEY", der: PEM.spkiPrefix + raw) }

    /// The key id: SHA-256 (hex) of the SubjectPublicKeyInfo DER.
    public var keyID: String { Digest.sha256(PEM.spkiPrefix + raw).hex }

    /// Whether `signature` is a valid signature of `data` by this key.
    public func isValidSignature(_ signature: Data, for data: Data) -> Bool {
        key.isValidSignature(signature, for: data)
    }

    /// Reads a SubjectPublicKeyInfo PEM file.
    public static func load(from path: String) throws -> VerificationKey {
        let raw = try PEM.loadKey(
            path, label: "PUBLIC KEY", prefix: PEM.spkiPrefix, what: "an Ed25519 public key (SubjectPublicKeyInfo PEM)")
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw AttestationError.keyFile("\(path): invalid Ed25519 public key")
        }
        return VerificationKey(key: key)
    }
}

/// The little ASN.1 Ed25519 needs: fixed DER prefixes (RFC 8410) and PEM armour.
enum PEM {
    /// PKCS#8 v1 PrivateKeyInfo with algorithm id-Ed25519 (1.3.101.112) and a 32-byte seed.
    static let pkcs8Prefix = Data([
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ])
    /// SubjectPublicKeyInfo with algorithm id-Ed25519 and a 32-byte key.
    static let spkiPrefix = Data([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

    static func encode(label: String, der: Data) -> String {
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    /// The 32 key bytes of a PEM file whose DER is `prefix` followed by them.
    static func loadKey(_ path: String, label: String, prefix: Data, what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AttestationError.keyFile("\(path): cannot read the key file")
        }
        let der = try decode(String(decoding: data, as: UTF8.self), label: label, file: path)
        guard der.count == prefix.count + 32, der.prefix(prefix.count) == prefix else {
            throw AttestationError.keyFile("\(path): not \(what)")
        }
        return der.suffix(32)
    }

    static func decode(_ text: String, label: String, file: String) throws -> Data {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
        else {
            throw AttestationError.keyFile("\(file): no '\(begin)' block")
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else {
            throw AttestationError.keyFile("\(file): the PEM block is not valid base64")
        }
        return der
    }
}
