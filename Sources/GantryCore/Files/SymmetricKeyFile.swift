public import Crypto
import Foundation

/// A 256-bit secret key kept in a file of its own (mode 0600, in a 0700 folder): the audit chain's
/// HMAC key, the key TOTP secrets are sealed with.
public enum SymmetricKeyFile {
    /// Why a key file cannot be used, in words that name the file.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    /// The key in `path`; nil when the file does not exist.
    /// - Parameter what: what the key is, for messages ("an audit key").
    public static func load(_ path: String, what: String) throws(Failure) -> SymmetricKey? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard data.count == 32 else {
            throw Failure(message: "\(path) is not \(what) (expected 32 bytes); restore it from a backup")
        }
        return SymmetricKey(data: data)
    }

    /// The key in `path`, created with random bytes when missing. When another process creates it at the
    /// same time, its key is the one used. The key is written to a private temporary file first and
    /// published with link(2), which never replaces an existing file: no reader ever sees the file
    /// empty or half-written.
    public static func loadOrCreate(_ path: String, what: String) throws(Failure) -> SymmetricKey {
        if let existing = try load(path, what: what) { return existing }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try PrivateState.prepareDirectory(folder)
        } catch {
            throw Failure(message: "\(error)")
        }
        let fresh = SymmetricKey(size: .bits256)
        let temporary = folder.appendingPathComponent(
            ".\(URL(fileURLWithPath: path).lastPathComponent).\(UUID().uuidString)"
        ).path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(message: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        let written = RawFile.writeAll(fd, fresh.withUnsafeBytes { Array($0) }) && fsync(fd) == 0
        let writeError = errno
        close(fd)
        guard written else {
            throw Failure(message: "cannot write \(temporary): \(String(cString: strerror(writeError)))")
        }
        if link(temporary, path) != 0 {
            guard errno == EEXIST, let raced = try load(path, what: what) else {
                throw Failure(message: "cannot create \(path): \(String(cString: strerror(errno)))")
            }
            return raced
        }
        return fresh
    }
}
