/// The DAG of concrete jobs after matrix expansion, with a run/skip decision per job.
public struct ExecutionPlan: Sendable {
    /// Jobs in a stable order: by level, then file order, then matrix order.
    public var jobs: [PlannedJob]

    /// Job names grouped by level (level 0 needs nothing).
    public var levels: [[String]] {
        let maxLevel = jobs.map(\.level).max() ?? -1
        guard maxLevel >= 0 else { return [] }
        return (0...maxLevel).map { level in jobs.filter { $0.level == level }.map(\.name) }
    }

    public func job(named name: String) -> PlannedJob? { jobs.first { $0.name == name } }
}

/// One concrete job of a plan.
public struct PlannedJob: Sendable {
    /// Display and record name: the job id, or `id (key=value, …)` for a matrix combination.
    public var name: String
    /// The id of the job definition it came from.
    public var jobID: String
    /// The matrix combination (empty without a matrix).
    public var matrix: [(String, String)]
    /// Names of the concrete jobs this one needs.
    public var needs: [String]
    /// Depth in the DAG.
    public var level: Int
    public var decision: PlanDecision
    /// Its matrix is computed once its needs have finished (`ComputedMatrix`): until then this one
    /// entry, named by the job id, stands for the jobs it expands to.
    public var matrixAtRunTime = false

    /// One of the jobs this entry expands to once its computed matrix is known.
    public func expanded(_ combination: [(String, String)]) -> PlannedJob {
        var job = self
        job.name = MatrixExpander.name(job: jobID, combination: combination)
        job.matrix = combination
        job.matrixAtRunTime = false
        return job
    }
}

/// What the planner decided about a job.
public enum PlanDecision: Sendable, Hashable {
    /// The job will run (if its needs succeed).
    case run
    /// The job's `if:` depends on run-time state; the text says what.
    case decidedAtRunTime(String)
    /// The job will be skipped, with the reason.
    case skip(SkipReason)
}

/// Why a job is skipped before it starts.
public enum SkipReason: Sendable, Hashable, CustomStringConvertible {
    /// No relevant file changed; counts as satisfied for the jobs that need it.
    case pathFilter(String)
    /// Its `if:` is false.
    case condition(String)
    /// Not selected with `--job` (nor needed by a selected job).
    case notSelected
    /// A workflow's job that cannot run here, skipped with `--skip-unsupported`.
    case unsupported(String)
    /// One matrix combination that cannot run here (its runner is macOS or Windows), skipped with
    /// `--skip-unsupported`; the jobs that need the matrix go on with the combinations that ran.
    case unsupportedCombination(String)
    /// Left out of this pipeline by a GitLab job's `rules:`, `only:`/`except:` or `workflow:rules`
    /// (the text says which); counts as satisfied for the jobs that need it, like a path filter.
    case rules(String)
    /// A GitLab `when: manual` job: it runs only when selected with `--job`.
    case manual

    /// Whether the jobs that need a job skipped this way still run (as GitLab and path filters do).
    public var satisfiesNeeds: Bool {
        switch self {
        case .pathFilter, .rules, .unsupportedCombination: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .pathFilter(let why): "path filter: \(why)"
        case .condition(let text): "if is false: \(text)"
        case .notSelected: "not selected"
        case .unsupported(let why), .unsupportedCombination(let why): "cannot run here: \(why)"
        case .rules(let why): "not in this pipeline: \(why)"
        case .manual: "manual job: run it with --job"
        }
    }
}
