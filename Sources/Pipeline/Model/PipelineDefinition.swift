public import GantryCore

/// A parsed, validated `gantry.yml`.
public struct PipelineDefinition: Sendable {
    /// Pipeline display name (`name:`), defaulting to the file's directory name.
    public var name: String
    /// The file it came from, as given by the user (used in diagnostics).
    public var file: String
    /// SHA-256 of the file's bytes, recorded with every run.
    public var fileDigest: Digest
    /// Top-level `env:` in file order.
    public var env: [EnvVar]
    /// `defaults:`.
    public var defaults: Defaults
    /// Jobs in file order, before matrix expansion.
    public var jobs: [JobDefinition] {
        didSet { jobIndex = nil }
    }
    /// Position of each job id in `jobs`, built by `indexJobs()` (the scheduler and the validator look
    /// jobs up by id for every job; a linear search made a 1,000-job pipeline quadratic).
    var jobIndex: [String: Int]? = nil
    /// `environments:` in promotion order.
    public var environments: [EnvironmentDefinition]
    /// Sections other issues define (`artifacts:`), kept as generic values.
    public var reserved: [String: YAMLValue]
    /// The format the file was written in (a GitHub workflow is read into the same model).
    public var format: PipelineFormat = .gantry
    /// What cannot run here (GitHub workflows): `gantry run` refuses or skips it.
    public var unsupported: [UnsupportedConstruct] = []
    /// A workflow's `workflow_dispatch`/`workflow_call` inputs with their defaults (`inputs` context).
    public var workflowInputs: [String: String] = [:]
    /// The events a workflow runs on (`github.event_name` is the first of push, workflow_dispatch…).
    public var workflowEvents: [String] = []
    /// Whether the workflow's events filter branches or tags: then which branch or tag it runs for
    /// decides whether it runs (`PipelineTrigger`).
    public var workflowFiltersRefs = false
    /// Problems that do not stop the pipeline (a vendored action not pinned to a commit): `validate`
    /// and `run` print them.
    public var warnings: [Diagnostic] = []
    /// A pipeline converted from a GitLab CI file (`dialect: gitlab`): its jobs are decided for the
    /// trigger it is read for (its branch, tag, event), as GitLab decides them for each pipeline.
    public var decidedPerTrigger = false
    /// Files of other GitLab projects a GitLab CI file's includes name and the parse was not given
    /// (the engine fetches them from a mirror and parses again).
    public var gitLabProjectRequests: [GitLabProjectRequest] = []
    /// The templates a `gantry.yml` includes, as they resolved (in order).
    public var templates: [TemplateUse] = []

    /// Looks a job up by id.
    public func job(_ id: String) -> JobDefinition? {
        if let jobIndex { return jobIndex[id].map { jobs[$0] } }
        return jobs.first { $0.id == id }
    }

    /// Builds the index `job(_:)` uses; call once the jobs are final.
    public mutating func indexJobs() {
        var index: [String: Int] = [:]
        for (position, job) in jobs.enumerated() where index[job.id] == nil { index[job.id] = position }
        jobIndex = index
    }

    /// Drops what cannot run here (`--skip-unsupported`): unsupported steps leave their job, a job that
    /// cannot run at all is planned as skipped (and the jobs that need it are skipped too).
    public mutating func skipUnsupported() {
        for construct in unsupported {
            guard let position = jobs.firstIndex(where: { $0.id == construct.job }) else { continue }
            if let combination = construct.combination {
                jobs[position].unsupportedCombinations[combination] = construct.message
            } else if construct.step == nil {
                jobs[position].unsupported = construct.message
            }
        }
        for (position, job) in jobs.enumerated() {
            let steps = Set(unsupported.filter { $0.job == job.id }.compactMap(\.step))
            guard !steps.isEmpty else { continue }
            jobs[position].steps = job.steps.enumerated().filter { !steps.contains($0.offset) }.map(\.element)
        }
        unsupported = []
        indexJobs()
    }

    /// Looks an environment up by name.
    public func environment(_ name: String) -> EnvironmentDefinition? { environments.first { $0.name == name } }
}

/// One `NAME: value` pair of an `env:` block. Values may hold `${{ }}` expressions.
public struct EnvVar: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension EnvVar {
    /// Environment variable and secret names: letters, digits, `_`, not starting with a digit.
    public static func isValidName(_ name: String) -> Bool { VariableName.isValid(name) }
}

/// Values applied to every job unless the job overrides them.
public struct Defaults: Sendable, Hashable {
    public var timeout: Duration = .seconds(30 * 60)
    public var retry: RetryPolicy? = nil
    public var shell: String? = nil
    public var workingDirectory: String? = nil
    public init() {}
}

/// A generic YAML value kept for sections Gantry preserves without interpreting yet.
public indirect enum YAMLValue: Sendable, Hashable {
    case scalar(String)
    case sequence([YAMLValue])
    case mapping([(String, YAMLValue)])
    case null

    public static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): a == b
        case (.sequence(let a), .sequence(let b)): a == b
        case (.mapping(let a), .mapping(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        case (.null, .null): true
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .scalar(let s): hasher.combine(s)
        case .sequence(let items): hasher.combine(items)
        case .mapping(let pairs):
            for (key, value) in pairs {
                hasher.combine(key)
                hasher.combine(value)
            }
        case .null: hasher.combine(0)
        }
    }
}
