import Pipeline

/// The needs of a job as seen by its expressions: result and outputs per needed job id.
struct NeedsState: Sendable {
    var results: [String: (result: String, outputs: [String: String])] = [:]
    /// A needed job failed (and did not continue on error).
    var anyFailed = false
    /// A needed job was skipped for a reason other than a path filter.
    var anySkipped = false
    var anyCancelled = false

    var expressionValue: ExpressionValue {
        .object(
            results.mapValues {
                .object([
                    "result": .string($0.result), "outputs": .object($0.outputs.mapValues(ExpressionValue.string)),
                ])
            })
    }

    /// The needs of `definition` once the jobs it needs have results: per needed job id, the merged
    /// outputs of its matrix expansions and one result (any failure fails, then cancelled, then skipped;
    /// a need skipped by a path filter counts as satisfied).
    static func combine(_ definition: JobDefinition, expansions: (String) -> [JobResult]) -> NeedsState {
        var needs = NeedsState()
        for neededID in definition.needs {
            let expansions = expansions(neededID)
            var outputs: [String: String] = [:]
            for expansion in expansions { outputs.merge(expansion.outputs) { $1 } }
            var result = "success"
            for expansion in expansions {
                if expansion.failsRun {
                    needs.anyFailed = true
                    result = "failure"
                } else if expansion.status == .cancelled {
                    needs.anyCancelled = true
                    if result != "failure" { result = "cancelled" }
                } else if expansion.status == .skipped && !expansion.skipSatisfiesNeeds
                    && !definition.stageNeeds.contains(neededID)
                {
                    needs.anySkipped = true
                    if result == "success" { result = "skipped" }
                }
            }
            if expansions.allSatisfy({ $0.status == .skipped }), !expansions.isEmpty { result = "skipped" }
            needs.results[neededID] = (result, outputs)
        }
        return needs
    }
}
