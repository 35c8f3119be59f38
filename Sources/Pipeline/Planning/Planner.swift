import GantryCore

/// Expands matrices, applies path filters and statically known `if:` conditions, and orders the DAG.
public struct Planner: Sendable {
    /// Files changed since the base ref; nil means "unknown" and disables path filters.
    public var changedFiles: [String]?
    /// Job ids or concrete names selected with `--job`; empty means every job.
    public var selectedJobs: [String]
    /// The `run` context (`id`, `sha`, `branch`, `correlation`) for conditions known at plan time.
    public var runContext: [String: String]

    public init(changedFiles: [String]? = nil, selectedJobs: [String] = [], runContext: [String: String] = [:]) {
        self.changedFiles = changedFiles
        self.selectedJobs = selectedJobs
        self.runContext = runContext
    }

    /// Builds the plan. Throws `InputError` when `--job` names a job that does not exist.
    public func plan(_ definition: PipelineDefinition) throws -> ExecutionPlan {
        let graph = DependencyGraph(jobs: definition.jobs)
        var expanded: [String: [String]] = [:]  // job id -> concrete names
        var concrete: [(JobDefinition, MatrixExpander.Combination, String)] = []
        for job in definition.jobs {
            let combos = job.matrix.map(MatrixExpander.combinations(of:)) ?? [[]]
            for combo in combos {
                let name = MatrixExpander.name(job: job.id, combination: combo)
                expanded[job.id, default: []].append(name)
                concrete.append((job, combo, name))
            }
        }
        let selected = try selection(definition, graph: graph, concrete: concrete.map { ($0.0.id, $0.2) })
        var levelOf: [String: Int] = [:]
        for (index, ids) in graph.levels().enumerated() { for id in ids { levelOf[id] = index } }
        var jobs: [PlannedJob] = []
        for (job, combo, name) in concrete {
            let needs = job.needs.flatMap { expanded[$0] ?? [] }
            var decision = PlanDecision.run
            if let selected, !selected.contains(name) {
                decision = .skip(.notSelected)
            } else if let why = job.unsupported {
                decision = .skip(.unsupported(why))
            } else if let why = job.unsupportedCombinations[name] {
                decision = .skip(.unsupportedCombination(why))
            } else if let reason = job.plannedSkip, !(reason == .manual && selected?.contains(name) == true) {
                // A manual job runs when it is asked for by name (or needed by a job that is).
                decision = .skip(reason)
            } else if let changedFiles,
                let reason = PathFilter(paths: job.paths, pathsIgnore: job.pathsIgnore).skipReason(
                    changedFiles: changedFiles)
            {
                decision = .skip(.pathFilter(reason))
            } else if let condition = job.condition {
                decision = staticDecision(condition, job: job, combination: combo, pipelineEnv: definition.env)
            }
            jobs.append(
                PlannedJob(
                    name: name, jobID: job.id, matrix: combo, needs: needs, level: levelOf[job.id] ?? 0,
                    decision: decision, matrixAtRunTime: job.computedMatrix != nil))
        }
        let order = Dictionary(uniqueKeysWithValues: jobs.enumerated().map { ($1.name, $0) })
        jobs.sort { ($0.level, order[$0.name] ?? 0) < ($1.level, order[$1.name] ?? 0) }
        return ExecutionPlan(jobs: jobs)
    }

    /// Concrete names to run for `--job`, with everything they need; nil when nothing was selected.
    private func selection(
        _ definition: PipelineDefinition, graph: DependencyGraph, concrete: [(String, String)]
    ) throws -> Set<String>? {
        guard !selectedJobs.isEmpty else { return nil }
        var roots: Set<String> = []  // concrete names asked for
        for wanted in selectedJobs {
            // By id, expanded name, or the name a GitLab job has in its file (`test:unit`).
            let matches = concrete.filter {
                $0.0 == wanted || $0.1 == wanted
                    || (definition.format == .gitlab && definition.job($0.0)?.name == wanted)
            }
            guard !matches.isEmpty else {
                let names = Array(Set(concrete.map(\.0) + concrete.map(\.1))).sorted()
                throw InputError(
                    "no job named '\(wanted)'\(Suggestion.hint(for: wanted, in: names)) (jobs: \(definition.jobs.map(\.id).joined(separator: ", ")))"
                )
            }
            roots.formUnion(matches.map(\.1))
        }
        let rootIDs = concrete.filter { roots.contains($0.1) }.map(\.0)
        let neededIDs = graph.closure(of: rootIDs).subtracting(rootIDs)
        return roots.union(concrete.filter { neededIDs.contains($0.0) }.map(\.1))
    }

    /// Evaluates an `if:` now when it depends only on env, matrix and run; otherwise defers it.
    private func staticDecision(
        _ condition: String, job: JobDefinition, combination: MatrixExpander.Combination, pipelineEnv: [EnvVar]
    ) -> PlanDecision {
        guard let expression = try? Template.condition(condition) else { return .decidedAtRunTime(condition) }
        // A workflow's runner contexts (`github`, `runner`…) are known when the run starts.
        let dynamicRoots: Set<String> = [
            "needs", "steps", "secrets", "github", "runner", "inputs", "vars", "job", "strategy",
        ]
        if expression.references.contains(where: {
            dynamicRoots.contains($0.root) || ($0.root == "matrix" && job.computedMatrix != nil)
        })
            || expression.calledFunctions.contains(where: {
                ExpressionEvaluator.statusFunctions.contains($0) || $0 == "hashFiles"
            })
            || (runContext.isEmpty && expression.references.contains { $0.root == "run" })
        {
            return .decidedAtRunTime(condition)
        }
        var env: [String: ExpressionValue] = [:]
        for variable in pipelineEnv + job.env where !Template.containsExpression(variable.value) {
            env[variable.name] = .string(variable.value)
        }
        let context = ExpressionContext(roots: [
            "env": .object(env),
            "matrix": .matrix(combination),
            "run": .object(runContext.mapValues(ExpressionValue.string)),
        ])
        guard let value = try? ExpressionEvaluator.evaluate(expression, in: context) else {
            return .decidedAtRunTime(condition)
        }
        return value.isTruthy ? .run : .skip(.condition(condition))
    }
}
