import GantryCore

/// Where an expression appears, which decides the contexts it may use.
struct ReferenceScope: Sendable {
    enum Field: Sendable { case pipelineEnv, jobIf, jobEnv, jobSetting, jobOutputs, cacheKey, step, stepIf, matrix }
    var field: Field
    /// The job's id, when inside a job.
    var job: String?
    /// Step ids visible from here (earlier steps; all steps for job outputs).
    var visibleSteps: [String] = []
}

/// An expression to check after all jobs are parsed.
struct PendingReference: Sendable {
    var expression: Expression
    var location: SourceLocation
    var scope: ReferenceScope
}
