public import GantryCore

/// A job's deployment environment (`environment:` of a job, a GitHub workflow job or a GitLab CI job):
/// the job deploys there, so the Gantry environment of that name protects it. A job whose environment
/// asks for approvals cannot run in a pipeline run (a run cannot collect them: such a job is unsupported
/// here and the digest goes through `gantry promote`), and only jobs of an environment may read the
/// secrets it scopes (`environments.<env>.secrets`), as a forge releases an environment's secrets to
/// the jobs that name it.
public struct JobEnvironment: Sendable, Hashable, Codable {
    /// The name as written (GitHub names are case-insensitive and may have capitals and spaces).
    public var name: String
    /// Where the deployment can be seen (`url:`), kept as written.
    public var url: String?
    /// Where `environment:` is in the file.
    public var location: SourceLocation

    public init(name: String, url: String? = nil, location: SourceLocation) {
        self.name = name
        self.url = url
        self.location = location
    }

    /// Whether the name is chosen by an expression when the job runs (`${{ inputs.environment }}`).
    public var isComputed: Bool { Template.containsExpression(name) }

    /// The Gantry environment this job deploys to: its name compared without case, as GitHub compares
    /// environment names; nil for a computed name or one that is not declared.
    public func declared(in environments: [EnvironmentDefinition]) -> EnvironmentDefinition? {
        guard !isComputed else { return nil }
        let wanted = name.lowercased()
        return environments.first { $0.name == wanted }
    }
}
