public import GantryCore

/// A job as written in the file (before matrix expansion).
public struct JobDefinition: Sendable {
    /// The key under `jobs:`.
    public var id: String
    /// Where the job's key is in the file.
    public var location: SourceLocation
    public var name: String?
    public var needs: [String] = []
    public var condition: String? = nil
    public var env: [EnvVar] = []
    public var matrix: MatrixDefinition? = nil
    /// A matrix computed from the outputs of needed jobs (then `matrix` is nil): expanded at run time.
    public var computedMatrix: ComputedMatrix? = nil
    /// A workflow job's `runs-on` labels written with expressions (`${{ matrix.os }}`): a computed
    /// matrix's jobs are judged by them when it is expanded (`GitHubRunnerLabels.otherSystem`).
    public var runnerLabels: [String] = []
    /// When one job of the matrix fails (and does not continue on error), the others still running or
    /// waiting are cancelled (GitHub's `strategy.fail-fast`, on by default there).
    public var failFast: Bool = false
    /// At most this many jobs of the matrix run at once (GitHub's `strategy.max-parallel`).
    public var maxParallel: Int? = nil
    public var steps: [StepDefinition] = []
    public var timeout: Duration
    public var retry: RetryPolicy? = nil
    public var continueOnError: Bool = false
    /// `continue-on-error: ${{ matrix.experimental }}`: decided for each concrete job when it ends
    /// (then `continueOnError` is false).
    public var continueOnErrorExpression: String? = nil
    public var paths: [Glob] = []
    public var pathsIgnore: [Glob] = []
    public var cache: CacheSpec? = nil
    public var inputs: [Glob] = []
    /// `outputs:` name → expression template (usually `${{ steps.x.outputs.y }}`).
    public var outputs: [(String, String)] = []
    public var workingDirectory: String? = nil
    /// Names of secrets this job may read.
    public var secrets: [String] = []
    /// Files the job hands on: stored with the run and put in the workspace of the jobs that need it.
    public var artifacts: ArtifactSpec? = nil
    /// At most one job of this group runs at a time on this machine, across runs (GitLab's
    /// `resource_group`): a deploy waits for the one before it.
    public var resourceGroup: String? = nil
    /// The environment the job deploys to (`environment:`), which protects it.
    public var environment: JobEnvironment? = nil
    /// Why this workflow job cannot run here, once `--skip-unsupported` skips it (not encoded: such a
    /// job is never assigned).
    public var unsupported: String? = nil
    /// Why some of its matrix combinations cannot run here (by concrete name), once
    /// `--skip-unsupported` skips them (a workflow's `runs-on: ${{ matrix.os }}` naming macOS).
    public var unsupportedCombinations: [String: String] = [:]
    /// A decision made when the file was read (a GitLab job's `rules:`/`only:` that leave it out of this
    /// pipeline, or `when: manual`): the planner skips the job for this reason.
    public var plannedSkip: SkipReason? = nil
    /// Needs implied by stage order (GitLab): a need of these that was skipped counts as satisfied, as
    /// a skipped job does not hold back later stages.
    public var stageNeeds: Set<String> = []

    public init(id: String, location: SourceLocation, timeout: Duration) {
        self.id = id
        self.location = location
        self.timeout = timeout
    }
}

/// `cache:` of a job: restore `paths` when `key` hits, save them after success when it misses.
public struct CacheSpec: Sendable, Hashable, Codable {
    /// Key template, may use `${{ hashFiles(...) }}`, `matrix`, `env`.
    public var key: String
    public var paths: [String]
    /// Prefix templates tried in order when `key` misses: the newest entry whose key starts with one
    /// is restored (a partial hit), and the job saves under `key` afterwards.
    public var restoreKeys: [String] = []
    /// Whether the job restores, saves, or both (GitLab's `cache:policy`).
    public var policy: Policy = .pullPush

    /// GitLab's words: `pull` restores only, `push` saves only.
    public enum Policy: String, Sendable, Hashable, Codable, CaseIterable {
        case pull
        case push
        case pullPush = "pull-push"
    }
}

/// `artifacts:` of a job (GitLab's shape): files stored with the run after the job ends and put in
/// the workspace of every job that `needs` it before its steps run.
public struct ArtifactSpec: Sendable, Hashable, Codable {
    /// When to store them.
    public enum When: String, Sendable, Hashable, CaseIterable, Codable {
        case onSuccess = "on_success"
        case onFailure = "on_failure"
        case always
    }

    /// Name template (may use `matrix`); nil: the concrete job name.
    public var name: String?
    /// Files, directories (all they hold) or globs, relative to the workspace.
    public var paths: [Glob]
    /// Files the paths match that are not stored (`**/*.log`).
    public var exclude: [Glob] = []
    public var when: When = .onSuccess

    public init(name: String?, paths: [Glob], exclude: [Glob] = [], when: When = .onSuccess) {
        self.name = name
        self.paths = paths
        self.exclude = exclude
        self.when = when
    }
}

/// One step of a job.
public struct StepDefinition: Sendable {
    public var location: SourceLocation
    public var name: String?
    public var id: String?
    public var run: String?
    public var shell: String?
    public var uses: String?
    public var with: [(String, String)] = []
    public var env: [EnvVar] = []
    public var condition: String?
    public var timeout: Duration?
    public var continueOnError: Bool = false
    /// An expression deciding `continueOnError` when the step fails (then `continueOnError` is false).
    public var continueOnErrorExpression: String?
    public var workingDirectory: String?

    public init(location: SourceLocation) { self.location = location }

    /// What people see: the name, else the id, else the action, else the first line of the script.
    public var displayName: String {
        if let name { return name }
        if let id { return id }
        if let uses { return uses }
        let firstLine = run?.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "step"
        return firstLine.count > 60 ? String(firstLine.prefix(57)) + "..." : firstLine
    }
}
