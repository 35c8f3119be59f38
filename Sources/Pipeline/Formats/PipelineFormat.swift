import Foundation
public import GantryCore
import Yams

/// The formats Gantry reads: its own `gantry.yml`, and GitHub Actions workflows run unchanged (read
/// into the same model, see `GitHubWorkflowTranslator` and docs/compat.md).
public enum PipelineFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case gantry
    case github

    /// The format of `file` holding `root`: `forced` when given; a file under `.github/workflows/`, or
    /// one with a top-level `on:`, is a GitHub workflow.
    static func detect(file: String, root: Node?, forced: PipelineFormat? = nil) -> PipelineFormat {
        if let forced { return forced }
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        if path.contains("/.github/workflows/") { return .github }
        // `on:` (the events) is a workflow's; a gantry.yml has no such key.
        guard case .mapping(let top)? = root else { return .gantry }
        return top.keys.contains { $0.string == "on" } ? .github : .gantry
    }
}

extension PipelineFormat {
    /// Where a pipeline file's steps run: the repository root for a workflow under
    /// `.github/workflows/`, else the file's directory.
    public static func workspace(forFile file: String) -> URL {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        let path = url.path
        if let range = path.range(of: "/.github/workflows/", options: .backwards) {
            return URL(
                fileURLWithPath: String(path[..<range.lowerBound]).isEmpty ? "/" : String(path[..<range.lowerBound]))
        }
        return url.deletingLastPathComponent()
    }
}

/// Something in a workflow that cannot run here (a container, a macOS runner, an action that is not
/// available): `validate` and `plan` accept the file and say so; `run` refuses it before anything
/// starts, naming each, unless `--skip-unsupported` skips them.
public struct UnsupportedConstruct: Sendable, Hashable {
    public var location: SourceLocation
    /// The job it belongs to, and the step's position in it (nil: the whole job).
    public var job: String
    public var step: Int?
    public var message: String

    public init(location: SourceLocation, job: String, step: Int?, message: String) {
        self.location = location
        self.job = job
        self.step = step
        self.message = message
    }
}
