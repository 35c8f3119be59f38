public import GantryCore

/// A job's `matrix:` that is known only once the jobs it needs have finished: the whole matrix from an
/// expression (`matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}`), or axes, `include` or `exclude`
/// that are expressions (`os: ${{ fromJSON(needs.setup.outputs.systems) }}`). The planner keeps such a
/// job as one entry; the scheduler expands it when its needs are done (`MatrixEvaluator`).
public struct ComputedMatrix: Sendable, Hashable {
    /// The matrix as written: strings may hold `${{ }}` expressions; a string that is one expression
    /// and nothing else takes the expression's value (a list, an object), as in GitHub Actions.
    public var template: JSONValue
    /// Where the matrix is written, for the errors its evaluation may give.
    public var location: SourceLocation

    public init(template: JSONValue, location: SourceLocation) {
        self.template = template
        self.location = location
    }
}
