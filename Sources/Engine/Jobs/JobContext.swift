import Foundation
import Pipeline

/// The expression context and environment of a job before its steps run, shared by the job itself and
/// by `gantry plan`'s avoidance preview (which must compute the same key the run will).
enum JobContext {
    /// The context a job's `env`, `cache.key`, `working-directory` and steps start from.
    static func base(
        job: JobDefinition, matrix: [(String, String)], needs: NeedsState, run: ExpressionValue,
        secrets: [String: String], workspace: URL, extra: [String: ExpressionValue] = [:]
    ) -> ExpressionContext {
        var secretValues: [String: ExpressionValue] = [:]
        for name in job.secrets { secretValues[name] = .string(secrets[name] ?? "") }
        var roots: [String: ExpressionValue] = [
            "env": .object([:]),
            "matrix": .matrix(matrix),
            "needs": needs.expressionValue,
            "run": run,
            "secrets": .object(secretValues),
            "steps": .object([:]),
        ]
        roots.merge(extra) { current, _ in current }
        return ExpressionContext(roots: roots, workspace: workspace)
    }

    /// Renders pipeline then job `env:`; returns the merged variables and sets `env` in the context.
    static func renderEnvironment(
        pipeline: [EnvVar], job: JobDefinition, into context: inout ExpressionContext
    ) throws -> [String: String] {
        var env: [String: String] = [:]
        for variable in pipeline + job.env {
            context.roots["env"] = .object(env.mapValues(ExpressionValue.string))
            env[variable.name] = try Template.render(variable.value, in: context)
        }
        context.roots["env"] = .object(env.mapValues(ExpressionValue.string))
        return env
    }
}
