import GantryCore
import Pipeline

/// Checks `uses: gantry/<name>` steps against the actions this build knows, before anything runs.
public struct ActionValidator: Sendable {
    public let registry: ActionRegistry

    public init(registry: ActionRegistry) { self.registry = registry }

    public func diagnostics(for definition: PipelineDefinition) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for job in definition.jobs {
            for step in job.steps {
                guard let uses = step.uses, uses.hasPrefix("gantry/") else { continue }
                let name = String(uses.dropFirst("gantry/".count))
                guard let action = registry.action(named: name) else {
                    let hint =
                        Suggestion.closest(to: name, in: registry.names).map { " (did you mean 'gantry/\($0)'?)" } ?? ""
                    let known = registry.names.map { "gantry/\($0)" }.joined(separator: ", ")
                    diagnostics.append(
                        Diagnostic(step.location, .error, "unknown action '\(uses)'\(hint); built-in actions: \(known)")
                    )
                    continue
                }
                let accepted = type(of: action).inputs
                guard !accepted.isEmpty else { continue }
                for (key, _) in step.with where !accepted.contains(key) {
                    diagnostics.append(
                        Diagnostic(
                            step.location, .error,
                            "\(uses) has no input '\(key)'\(Suggestion.hint(for: key, in: accepted)) (inputs: \(accepted.joined(separator: ", ")))"
                        ))
                }
            }
        }
        return diagnostics
    }
}
