public import GantryCore

/// `matrix:` of a job: axes (map of lists) plus `include` and `exclude` entries.
public struct MatrixDefinition: Sendable, Hashable {
    /// Axes in file order; values are kept as strings.
    public var axes: [(name: String, values: [String])]
    public var include: [[(String, String)]]
    public var exclude: [[(String, String)]]
    public var location: SourceLocation

    public init(
        axes: [(name: String, values: [String])], include: [[(String, String)]] = [],
        exclude: [[(String, String)]] = [], location: SourceLocation
    ) {
        self.axes = axes
        self.include = include
        self.exclude = exclude
        self.location = location
    }

    public static func == (lhs: MatrixDefinition, rhs: MatrixDefinition) -> Bool {
        lhs.axes.map(\.name) == rhs.axes.map(\.name) && lhs.axes.map(\.values) == rhs.axes.map(\.values)
            && lhs.include.map { $0.map(\.0) } == rhs.include.map { $0.map(\.0) }
            && lhs.include.map { $0.map(\.1) } == rhs.include.map { $0.map(\.1) }
            && lhs.exclude.map { $0.map(\.0) } == rhs.exclude.map { $0.map(\.0) }
            && lhs.exclude.map { $0.map(\.1) } == rhs.exclude.map { $0.map(\.1) }
    }

    public func hash(into hasher: inout Hasher) {
        for axis in axes {
            hasher.combine(axis.name)
            hasher.combine(axis.values)
        }
    }

    /// Every key a combination can have: axis names and keys that `include` adds.
    public var keys: [String] {
        var keys = axes.map(\.name)
        for entry in include { for (key, _) in entry where !keys.contains(key) { keys.append(key) } }
        return keys
    }
}
