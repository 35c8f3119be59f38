import Foundation

/// A fresh directory under the system temp folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "gantry-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    /// Writes a file (creating parent directories) and returns its URL.
    @discardableResult
    public func write(_ relativePath: String, _ contents: String) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
        return file
    }

    /// Reads a file as UTF-8.
    public func read(_ relativePath: String) throws -> String {
        String(decoding: try Data(contentsOf: url.appendingPathComponent(relativePath)), as: UTF8.self)
    }

    public func remove() {
        // Restore permissions tests may have removed, so cleanup cannot fail half-way.
        for subpath in (try? FileManager.default.subpathsOfDirectory(atPath: url.path)) ?? [] {
            chmod(url.appendingPathComponent(subpath).path, 0o755)
        }
        chmod(url.path, 0o755)
        try? FileManager.default.removeItem(at: url)
    }
}
