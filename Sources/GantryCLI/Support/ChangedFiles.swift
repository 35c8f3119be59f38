import Engine
import Foundation
import GantryCore
import Pipeline

/// `--since REF` / `--changed-files FILE`: which files changed, for path filters.
enum ChangedFiles {
    /// Nil when neither option is given (path filters then do not apply).
    static func resolve(since: String?, changedFilesPath: String?, pipelineFile: String) async throws -> [String]? {
        if since != nil && changedFilesPath != nil {
            throw InputError("--since and --changed-files cannot be used together")
        }
        if let changedFilesPath {
            guard let data = FileManager.default.contents(atPath: changedFilesPath) else {
                throw InputError("--changed-files \(changedFilesPath): cannot read the file")
            }
            return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        if let since {
            let workspace = PipelineFormat.workspace(forFile: pipelineFile)
            return try await GitInfo.changedFiles(since: since, in: workspace)
        }
        return nil
    }
}
