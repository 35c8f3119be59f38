import GantryCore

/// Checks that need the whole pipeline: `needs` targets, dependency cycles, and expression references.
struct PipelineValidator {
    let definition: PipelineDefinition
    let references: [PendingReference]
    let needLocations: [(String, String, SourceLocation)]
    var format: PipelineFormat = .gantry

    static let contexts = ["env", "matrix", "steps", "needs", "run", "secrets"]
    /// What a GitHub workflow may read besides (filled by the engine for a workflow's run).
    static let githubContexts = ["github", "runner", "vars", "inputs", "job", "strategy"]
    static let runFields = ["id", "sha", "branch", "correlation"]
    static let stepFields = ["outputs", "outcome", "conclusion"]
    static let needFields = ["outputs", "result"]

    func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let ids = definition.jobs.map(\.id)
        let known = Set(ids)
        for (job, needed, location) in needLocations {
            if needed == job {
                diagnostics.append(Diagnostic(location, .error, "job '\(job)' needs itself"))
            } else if !known.contains(needed) {
                diagnostics.append(
                    Diagnostic(
                        location, .error,
                        "job '\(job)' needs unknown job '\(needed)'\(Suggestion.hint(for: needed, in: ids))"))
            }
        }
        if let cycle = DependencyGraph(jobs: definition.jobs).findCycle() {
            let location =
                definition.job(cycle[0])?.location ?? SourceLocation(file: definition.file, line: 1, column: 1)
            diagnostics.append(
                Diagnostic(location, .error, "dependency cycle: \(cycle.joined(separator: " -> "))"))
        }
        for reference in references { diagnostics += check(reference) }
        return diagnostics
    }

    private func check(_ reference: PendingReference) -> [Diagnostic] {
        var problems: [String] = []
        let scope = reference.scope
        let job = scope.job.flatMap { definition.job($0) }
        for name in reference.expression.calledFunctions {
            if ExpressionEvaluator.functions[name] == nil {
                problems.append(
                    "unknown function '\(name)'\(Suggestion.hint(for: name, in: ExpressionEvaluator.functions.keys))")
            } else if ExpressionEvaluator.statusFunctions.contains(name), scope.field != .jobIf, scope.field != .stepIf
            {
                problems.append("\(name)() can only be used in 'if:'")
            }
        }
        problems += arityProblems(reference.expression)
        for (root, properties) in reference.expression.references {
            switch root {
            case "env": break
            case "run":
                if let field = properties.first, !Self.runFields.contains(field) {
                    problems.append(
                        "unknown field 'run.\(field)'\(Suggestion.hint(for: field, in: Self.runFields)) (run has \(Self.runFields.joined(separator: ", ")))"
                    )
                }
            case "matrix":
                guard scope.field != .pipelineEnv else {
                    problems.append("'matrix' is not available in the top-level env")
                    continue
                }
                guard scope.field != .matrix else {
                    problems.append("'matrix' is not available in the matrix itself")
                    continue
                }
                // A computed matrix has the keys the run gives it.
                if job?.computedMatrix != nil { continue }
                guard let matrix = job?.matrix else {
                    // A workflow reads an empty matrix there, as GitHub does (`matrix.os || 'linux'`).
                    if format != .github {
                        problems.append(
                            "job '\(scope.job ?? "")' has no matrix, so 'matrix.\(properties.first ?? "")' is undefined"
                        )
                    }
                    continue
                }
                if let key = properties.first, !matrix.keys.contains(key) {
                    problems.append("unknown matrix key '\(key)'\(Suggestion.hint(for: key, in: matrix.keys))")
                }
            case "steps":
                guard scope.field == .step || scope.field == .stepIf || scope.field == .jobOutputs else {
                    problems.append("'steps' is only available inside steps and job outputs")
                    continue
                }
                guard let stepID = properties.first else { continue }
                if !scope.visibleSteps.contains(stepID) {
                    let all = job?.steps.compactMap(\.id) ?? []
                    problems.append(
                        all.contains(stepID)
                            ? "step '\(stepID)' runs later, so its outputs are not available here"
                            : "unknown step id '\(stepID)'\(Suggestion.hint(for: stepID, in: all))")
                } else if properties.count > 1, !Self.stepFields.contains(properties[1]) {
                    problems.append(
                        "unknown field 'steps.\(stepID).\(properties[1])'\(Suggestion.hint(for: properties[1], in: Self.stepFields))"
                    )
                }
            case "needs":
                guard scope.field != .pipelineEnv else {
                    problems.append("'needs' is not available in the top-level env")
                    continue
                }
                guard let needed = properties.first else { continue }
                guard let job, job.needs.contains(needed) else {
                    problems.append(
                        "'needs.\(needed)' refers to a job that '\(scope.job ?? "")' does not list in needs")
                    continue
                }
                if properties.count > 1 {
                    if !Self.needFields.contains(properties[1]) {
                        problems.append(
                            "unknown field 'needs.\(needed).\(properties[1])'\(Suggestion.hint(for: properties[1], in: Self.needFields))"
                        )
                    } else if properties[1] == "outputs", properties.count > 2, let target = definition.job(needed),
                        !target.outputs.contains(where: { $0.0 == properties[2] })
                    {
                        problems.append(
                            "job '\(needed)' has no output '\(properties[2])'\(Suggestion.hint(for: properties[2], in: target.outputs.map(\.0)))"
                        )
                    }
                }
            case _ where format == .github && Self.githubContexts.contains(root): break
            case "secrets":
                guard scope.field != .matrix else {
                    // Matrix values become job names, shown everywhere.
                    problems.append("secrets are not available in a matrix")
                    continue
                }
                guard let name = properties.first else { continue }
                if format == .github, job == nil { continue }
                if let job, !job.secrets.contains(name) {
                    problems.append("secret '\(name)' is not listed in job '\(job.id)' secrets")
                } else if job == nil {
                    problems.append("secrets are only available inside jobs that list them")
                }
            default:
                let contexts = Self.contexts + (format == .github ? Self.githubContexts : [])
                problems.append(
                    "unknown context '\(root)'\(Suggestion.hint(for: root, in: contexts)) (contexts: \(contexts.joined(separator: ", ")))"
                )
            }
        }
        return problems.map { Diagnostic(reference.location, .error, $0) }
    }

    private func arityProblems(_ expression: Expression) -> [String] {
        switch expression {
        case .literal, .path: return []
        case .not(let inner): return arityProblems(inner)
        case .binary(_, let lhs, let rhs): return arityProblems(lhs) + arityProblems(rhs)
        case .call(let name, let arguments):
            var problems = arguments.flatMap(arityProblems)
            if let arity = ExpressionEvaluator.functions[name], !arity.contains(arguments.count) {
                problems.append(
                    "\(name)() takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") argument(s), got \(arguments.count)"
                )
            }
            return problems
        }
    }
}
