/// Expands a matrix into combinations, with GitHub Actions' `include` / `exclude` semantics.
public enum MatrixExpander {
    /// One combination: ordered key/value pairs.
    public typealias Combination = [(String, String)]

    /// The most jobs one matrix may produce, as in GitHub Actions. Pipeline files can come from pull
    /// requests: a dozen axes of ten values would otherwise ask for 10¹² jobs.
    public static let maximumJobs = 256

    /// The size of the cartesian product of the axes (before `exclude` and `include`), or nil when it
    /// exceeds `limit`; computed without building anything.
    public static func productSize(of matrix: MatrixDefinition, limit: Int) -> Int? {
        guard !matrix.axes.isEmpty else { return 0 }
        var product = 1
        for axis in matrix.axes {
            let (result, overflow) = product.multipliedReportingOverflow(by: axis.values.count)
            guard !overflow, result <= limit else { return nil }
            product = result
        }
        return product
    }

    /// Why a matrix cannot be expanded into jobs, judged in this order.
    public enum SizeProblem: Sendable, Hashable {
        /// No axis and no `include` entry.
        case empty
        /// More than `maximumJobs` combinations, known without building them.
        case overLimit
        /// `exclude` removed every combination.
        case allExcluded
        /// This many combinations, more than `maximumJobs`.
        case tooMany(Int)
    }

    /// What makes `matrix` unusable, or nil. The product is bounded before anything is expanded;
    /// `exclude` may bring a larger product under the job limit, so the product may be up to 16 times
    /// the limit, then the expansion is counted. An axis without values is for the caller to report.
    public static func sizeProblem(of matrix: MatrixDefinition) -> SizeProblem? {
        guard !matrix.axes.isEmpty || !matrix.include.isEmpty else { return .empty }
        guard productSize(of: matrix, limit: maximumJobs * 16) != nil, matrix.include.count <= maximumJobs else {
            return .overLimit
        }
        guard !matrix.axes.contains(where: { $0.values.isEmpty }) else { return nil }
        let count = combinations(of: matrix).count
        if count == 0 { return .allExcluded }
        return count > maximumJobs ? .tooMany(count) : nil
    }

    /// All combinations: the cartesian product of the axes, minus `exclude` matches, then `include`:
    /// an include entry extends every combination whose axis values it does not contradict, or is added
    /// as a combination of its own when it matches none.
    public static func combinations(of matrix: MatrixDefinition) -> [Combination] {
        var combos: [Combination] = matrix.axes.isEmpty ? [] : [[]]
        for axis in matrix.axes {
            combos = combos.flatMap { combo in axis.values.map { combo + [(axis.name, $0)] } }
        }
        combos.removeAll { combo in
            matrix.exclude.contains { entry in
                !entry.isEmpty && entry.allSatisfy { key, value in combo.contains { $0.0 == key && $0.1 == value } }
            }
        }
        let axisNames = Set(matrix.axes.map(\.name))
        let original = combos
        for entry in matrix.include {
            var matchedAny = false
            for index in original.indices {
                let combo = original[index]
                let fits = entry.allSatisfy { key, value in
                    guard axisNames.contains(key) else { return true }
                    return combo.contains { $0.0 == key && $0.1 == value }
                }
                guard fits else { continue }
                matchedAny = true
                for (key, value) in entry where !combos[index].contains(where: { $0.0 == key }) {
                    combos[index].append((key, value))
                }
                // An added (non-axis) key may overwrite what an earlier include added.
                for (key, value) in entry where !axisNames.contains(key) {
                    if let at = combos[index].firstIndex(where: { $0.0 == key }) { combos[index][at].1 = value }
                }
            }
            if !matchedAny { combos.append(entry) }
        }
        return combos
    }

    /// `test (os=linux, swift=6.3)`.
    public static func name(job: String, combination: Combination) -> String {
        guard !combination.isEmpty else { return job }
        return "\(job) (" + combination.map { "\($0.0)=\(MatrixValue.display($0.1))" }.joined(separator: ", ") + ")"
    }
}
