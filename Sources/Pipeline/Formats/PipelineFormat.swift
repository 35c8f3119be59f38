import Foundation
public import GantryCore
import Yams

/// The formats Gantry reads: its own `gantry.yml`, and GitHub Actions workflows and GitLab CI files
/// run unchanged (read into the same model, see `GitHubWorkflowTranslator`, `GitLabCITranslator` and
/// docs/compat.md).
public enum PipelineFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case gantry
    case github
    case gitlab

    /// The format of `file` holding `root`: `forced` when given; a file under `.github/workflows/`, or
    /// one with a top-level `on:`, is a GitHub workflow; a file named `.gitlab-ci.yml` (or
    /// `….gitlab-ci.yml`), or one without `jobs:` whose top level has GitLab's keywords or a job with
    /// `script:`, is a GitLab CI file; one named `gantry.yml`, or whose includes are pinned with
    /// `version:`, is Gantry's.
    static func detect(file: String, root: Node?, forced: PipelineFormat? = nil) -> PipelineFormat {
        if let forced { return forced }
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        if path.contains("/.github/workflows/") { return .github }
        if isGitLabFileName(path) { return .gitlab }
        let name = URL(fileURLWithPath: path).lastPathComponent
        if name == "gantry.yml" || name == "gantry.yaml" { return .gantry }
        // `on:` (the events) is a workflow's; a gantry.yml has no such key.
        guard case .mapping(let top)? = root else { return .gantry }
        let keys = Set(top.keys.compactMap(\.string))
        if keys.contains("on") { return .github }
        if keys.contains("jobs") { return .gantry }
        // A template pinned with version: is Gantry's include (GitLab's entries have no version).
        if let include = top["include"],
            (include.sequence.map(Array.init) ?? [include]).contains(where: { $0["version"] != nil })
        {
            return .gantry
        }
        if !keys.isDisjoint(with: ["stages", "include", "workflow", "default", "variables", "before_script", "spec"]) {
            return .gitlab
        }
        let hasGitLabJob = top.contains { pair in
            guard case .mapping(let body) = pair.value else { return false }
            return body.keys.contains { ["script", "extends", "stage", "trigger"].contains($0.string ?? "") }
        }
        return hasGitLabJob ? .gitlab : .gantry
    }

    /// `.gitlab-ci.yml`, `.gitlab-ci.yaml`, or a name ending in `.gitlab-ci.yml` (a custom CI path).
    public static func isGitLabFileName(_ path: String) -> Bool {
        let name = URL(fileURLWithPath: path).lastPathComponent
        return name.hasSuffix(".gitlab-ci.yml") || name.hasSuffix(".gitlab-ci.yaml") || name == "gitlab-ci.yml"
    }
}

extension PipelineFormat {
    /// Where a pipeline file's steps run: the repository root for a workflow under
    /// `.github/workflows/` and for a GitLab CI file (the nearest directory above it holding `.git`),
    /// else the file's directory.
    public static func workspace(forFile file: String) -> URL {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        let path = url.path
        if let range = path.range(of: "/.github/workflows/", options: .backwards) {
            return URL(
                fileURLWithPath: String(path[..<range.lowerBound]).isEmpty ? "/" : String(path[..<range.lowerBound]))
        }
        let directory = url.deletingLastPathComponent()
        if isGitLabFileName(path) {
            var candidate = directory
            for _ in 0..<32 {
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(".git").path) {
                    return candidate
                }
                let parent = candidate.deletingLastPathComponent()
                if parent.path == candidate.path { break }
                candidate = parent
            }
        }
        return directory
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
    /// The one matrix combination (its concrete name) it concerns; nil: every job of `job`.
    public var combination: String?

    public init(location: SourceLocation, job: String, step: Int?, message: String, combination: String? = nil) {
        self.location = location
        self.job = job
        self.step = step
        self.message = message
        self.combination = combination
    }
}
