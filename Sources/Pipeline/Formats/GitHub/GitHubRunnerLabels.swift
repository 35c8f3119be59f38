import GantryCore

/// What a workflow job's `runs-on` asks of the machine. A local run is a Linux machine: `ubuntu-*`,
/// `linux`, `self-hosted` and custom labels are satisfied; `macos-*` and `windows-*` are not. A label
/// given by the matrix (`runs-on: ${{ matrix.os }}`, the usual cross-platform matrix) is judged for
/// each combination, so that the Linux ones run and the others are named (and skipped with
/// `--skip-unsupported`) instead of running a macOS or Windows job on Linux.
public enum GitHubRunnerLabels {
    /// A label written with an expression, and where.
    struct Label: Sendable {
        var text: String
        var location: SourceLocation
    }

    /// Whether a label names a runner of another operating system.
    static func isOtherSystem(_ label: String) -> Bool {
        let text = label.lowercased()
        return text.hasPrefix("macos") || text.hasPrefix("windows")
    }

    /// The combinations of `job`'s written matrix whose labels name another system. A label that reads
    /// anything but the matrix (`inputs`, `vars`) is not known before the run and is not judged.
    static func unsupportedCombinations(of job: JobDefinition, labels: [Label]) -> [UnsupportedConstruct] {
        guard let matrix = job.matrix else { return [] }
        return MatrixExpander.combinations(of: matrix).compactMap { combination in
            let name = MatrixExpander.name(job: job.id, combination: combination)
            guard let (index, message) = refusal(job: name, labels: labels.map(\.text), combination: combination)
            else { return nil }
            return UnsupportedConstruct(
                location: labels[index].location, job: job.id, step: nil, message: message, combination: name)
        }
    }

    /// Why job `name` (one combination of a matrix) cannot run here: the first of its `labels` that
    /// names another system for `combination`, and what to say; nil when it may run.
    public static func refusal(
        job name: String, labels: [String], combination: [(String, String)]
    ) -> (label: Int, message: String)? {
        for (index, label) in labels.enumerated() {
            if let value = otherSystem(label, combination: combination) {
                return (index, "\(name) runs on '\(value)', and this machine is Linux")
            }
        }
        return nil
    }

    /// The label `template` names for `combination` when that is another system (`macos-14`); nil when
    /// it is Linux or cannot be known from the matrix alone.
    static func otherSystem(_ template: String, combination: [(String, String)]) -> String? {
        guard let parsed = try? Template.parse(template),
            parsed.allSatisfy({ $0.1.references.allSatisfy { $0.root == "matrix" } }),
            let value = try? Template.render(template, in: ExpressionContext(roots: ["matrix": .matrix(combination)])),
            isOtherSystem(value)
        else { return nil }
        return value
    }
}
