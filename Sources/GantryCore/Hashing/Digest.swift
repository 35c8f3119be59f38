import Crypto
public import Foundation

/// A content digest in OCI form: `sha256:<64 lowercase hex>`.
///
/// A `Digest` is validated once when it is created and trusted afterwards.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The lowercase hexadecimal SHA-256 value (64 characters).
    public let hex: String

    /// Creates a digest from a string such as `sha256:ab12…`; returns nil when it is not one.
    public init?(parsing text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = String(text.dropFirst("sha256:".count))
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        else { return nil }
        self.hex = hex
    }

    init(hex: String) { self.hex = hex }

    /// The SHA-256 digest of `data`.
    public static func sha256(_ data: some DataProtocol) -> Digest {
        Digest(hex: SHA256.hash(data: data).hexString)
    }

    /// The SHA-256 digest of the UTF-8 bytes of `text`.
    public static func sha256(_ text: String) -> Digest { sha256(Data(text.utf8)) }

    /// The SHA-256 digest of a file's content, read in bounded chunks.
    public static func sha256(fileAt url: URL) throws -> Digest {
        var hasher = StreamingHasher()
        try hasher.update(fileAt: url)
        return hasher.finalize()
    }

    /// `sha256:<hex>`.
    public var description: String { "sha256:" + hex }

    /// The first 12 hex characters, for people.
    public var short: String { String(hex.prefix(12)) }

    /// The short form of a digest kept as text (records store `sha256:…` strings); text that is not
    /// a digest is returned as it is.
    public static func short(_ text: String) -> String { Digest(parsing: text)?.short ?? text }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digest = Digest(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a sha256 digest: \(text)"))
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Incremental SHA-256 over several pieces (strings, files) with bounded memory.
public struct StreamingHasher: Sendable {
    private var hasher = SHA256()

    public init() {}

    /// Feeds bytes.
    public mutating func update(_ data: some DataProtocol) { hasher.update(data: data) }

    /// Feeds the UTF-8 bytes of a string followed by a NUL separator, so that pieces cannot run together.
    public mutating func update(field text: String) {
        hasher.update(data: Data(text.utf8))
        hasher.update(data: Data([0]))
    }

    /// Feeds a file's content, read in 256 KiB chunks into one reused buffer.
    public mutating func update(fileAt url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code: CocoaError.Code = errno == EACCES ? .fileReadNoPermission : .fileReadNoSuchFile
            throw CocoaError(code, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { close(fd) }
        let size = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, size)
            if count < 0 {
                if errno == EINTR { continue }
                throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// The digest of everything fed so far.
    public func finalize() -> Digest { Digest(hex: hasher.finalize().hexString) }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal form of the bytes (hashes, MACs, random ids; `String(format:)` per byte
    /// is slow enough to show in a server's profile).
    public var hexString: String {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
