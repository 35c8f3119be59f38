public import Foundation

/// A file of the repository a pipeline lives in, as an importer reads it (a GitLab CI file's local
/// includes, a workflow's local actions and reusable workflows): confined to the repository once
/// symlinks are resolved, at most `maximumBytes`, UTF-8.
public enum RepositoryFile {
    /// The most an importer reads of one file.
    public static let maximumBytes = 1 << 20

    /// Why a file could not be read, worded after `what` names it ("include: local 'ci/x.yml'").
    public struct Problem: Error, Equatable {
        public let message: String
        /// The file is not there (or cannot be opened), as opposed to a path that leaves the
        /// repository or a file that is too large or not text.
        public var isMissing = false
    }

    /// The text of `relativePath` under `root`.
    public static func read(_ relativePath: String, under root: URL, what: String) -> Result<String, Problem> {
        let rootPath = root.resolvingSymlinksInPath().standardizedFileURL.path
        let url = root.appendingPathComponent(relativePath).resolvingSymlinksInPath().standardizedFileURL
        guard url.path.hasPrefix(rootPath.hasSuffix("/") ? rootPath : rootPath + "/") else {
            return .failure(Problem(message: "\(what) leaves the repository"))
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            return .failure(Problem(message: "\(what) is not a readable file in the repository", isMissing: true))
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumBytes + 1) else {
            return .failure(Problem(message: "\(what) cannot be read"))
        }
        guard data.count <= maximumBytes else {
            return .failure(Problem(message: "\(what) is larger than \(maximumBytes) bytes"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(Problem(message: "\(what) is not valid UTF-8"))
        }
        return .success(text)
    }
}
