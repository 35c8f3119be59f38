public import Foundation
public import GantryCore
public import Pipeline

/// Everything needed to run one concrete job's steps, decided before it runs and self-contained: the
/// scheduler builds it (environment rendered, secrets chosen, cache and avoidance settled) and hands
/// it to a `JobExecutor` — in this process today, encoded as JSON to an agent on another host later.
public struct JobAssignment: Codable, Sendable {
    /// The run the job belongs to, for the variables steps get and the provenance actions record.
    public struct Run: Codable, Sendable {
        public var id: String
        public var correlation: String
        public var sha: String?
        public var branch: String?
        public var pipelineFile: String
        public var pipelineDigest: Digest
        public var startedAt: Date
        public var uncommittedChanges: [String]?
    }

    public var run: Run
    /// The concrete job name (`test (os=linux)`).
    public var name: String
    public var job: JobDefinition
    /// The expression context the steps start from: `env`, `matrix`, `needs`, `run`, `secrets`.
    public var context: [String: ExpressionValue]
    /// The job's rendered `env:` (pipeline then job).
    public var environment: [String: String]
    /// The values of the secrets the job may read; steps get them as variables and they are masked.
    public var secrets: [String: String]
    /// The environment steps inherit (Gantry's own, without `GANTRY_SECRET_*`).
    public var baseEnvironment: [String: String]
    /// Absolute paths: the workspace, where the job's steps start, and a directory for step files.
    public var workspace: String
    public var workingDirectory: String
    public var scratchDirectory: String
    /// A GitHub workflow's `GITHUB_*` and `RUNNER_*` variables (empty for a `gantry.yml`); with them,
    /// steps also get `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH` and `GITHUB_STEP_SUMMARY`.
    public var runnerVariables: [String: String] = [:]

    /// Variables every step gets, whatever the pipeline says.
    var gantryVariables: [String: String] {
        var variables = [
            "CI": "true", "GANTRY": "true", "GANTRY_RUN_ID": run.id, "GANTRY_CORRELATION_ID": run.correlation,
            "GANTRY_JOB": name, "GANTRY_WORKSPACE": workspace,
        ]
        if let executable = Self.executable { variables["GANTRY_EXECUTABLE"] = executable }
        if let sha = run.sha { variables["GANTRY_SHA"] = sha }
        if let branch = run.branch { variables["GANTRY_BRANCH"] = branch }
        variables.merge(runnerVariables) { current, _ in current }
        return variables
    }

    /// The gantry binary running the steps (where they run: here, or an agent's), for steps that call
    /// it (`"$GANTRY_EXECUTABLE" scan secrets .`).
    static let executable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")

    /// The context to render with (steps empty, status fresh).
    var expressionContext: ExpressionContext {
        var roots = context
        roots["steps"] = .object([:])
        return ExpressionContext(roots: roots, workspace: URL(fileURLWithPath: workspace, isDirectory: true))
    }
}
