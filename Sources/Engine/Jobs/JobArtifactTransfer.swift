import Foundation
import GantryCore
import Pipeline
import StateModel

/// Job artifacts (`artifacts:`): stored with the run after the job ends, put in the workspace of the
/// jobs that need it before their steps, and carried over when the job is avoided.
struct JobArtifactTransfer {
    let runner: JobRunner
    var environment: RunEnvironment { runner.environment }

    /// The files `spec.paths` names now: a path naming a directory stands for all it holds.
    static func files(_ spec: ArtifactSpec, workspace: URL) -> (files: [String], unmatched: [Glob]) {
        var globs: [Glob] = []
        var directories: [Glob: Glob] = [:]
        for glob in spec.paths {
            var isDirectory: ObjCBool = false
            let path = workspace.appendingPathComponent(glob.normalizedPattern).path
            if glob.isLiteral, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                let all = Glob(glob.normalizedPattern + "/**")
                directories[all] = glob
                globs.append(all)
            } else {
                globs.append(glob)
            }
        }
        let (files, unmatched) = FileWalker.match(under: workspace, globs)
        let kept = files.filter { file in !spec.exclude.contains { $0.matches(file) } }
        return (kept.sorted(), unmatched.map { directories[$0] ?? $0 })
    }

    /// The artifact's name in this run.
    func name(_ spec: ArtifactSpec, context: ExpressionContext) throws -> String {
        guard let template = spec.name else { return runner.name }
        let name = try Template.render(template, in: context)
        guard !name.isEmpty, !name.contains("/"), !name.contains("\0") else {
            throw InputError("artifact name '\(name)' (from '\(template)') must be non-empty and hold no '/'")
        }
        return name
    }

    /// Stores the files after the job ended with `status`, when `when:` asks for it. Returns a line for
    /// the job's output when nothing matched, nil otherwise.
    func upload(_ spec: ArtifactSpec, status: JobStatus, context: ExpressionContext) async throws -> String? {
        let wanted =
            switch spec.when {
            case .always: true
            case .onSuccess: status == .success
            case .onFailure: status != .success && status != .cancelled
            }
        guard wanted else { return nil }
        let name = try name(spec, context: context)
        let (files, unmatched) = Self.files(spec, workspace: environment.workspace)
        var note: String?
        if !unmatched.isEmpty {
            note =
                "warning: artifacts path \(unmatched.map { "'\($0.pattern)'" }.joined(separator: ", ")) matches no file"
        }
        guard let saved = try await environment.snapshots.save(paths: files, workspace: environment.workspace) else {
            return "warning: artifact '\(name)' not stored: its paths match no file"
        }
        try await runner.store.addJobArtifact(
            JobArtifactRecord(
                runID: environment.runID, name: name, job: runner.name, jobID: runner.job.id,
                digest: saved.digest, size: saved.size, files: files.count))
        return note
    }

    /// Records for this run the artifacts an earlier run stored for this job (the job is avoided).
    func carryOver(_ previous: [JobArtifactRecord]) async throws {
        for record in previous {
            var copy = record
            copy.runID = environment.runID
            copy.createdAt = Date()
            try await runner.store.addJobArtifact(copy)
        }
    }

    /// Puts the artifacts of the jobs this one needs in the workspace; returns what it placed, for the log.
    func download() async throws -> [(name: String, files: Int)] {
        // Most pipelines declare no artifacts: then no query at all.
        guard runner.job.needs.contains(where: { environment.definition.job($0)?.artifacts != nil }) else { return [] }
        var placed: [(String, Int)] = []
        for record in try await runner.store.jobArtifacts(runID: environment.runID, jobIDs: runner.job.needs) {
            let count = try await environment.snapshots.restoreFiles(record.digest, workspace: environment.workspace)
            placed.append((record.name, count))
        }
        return placed
    }
}
