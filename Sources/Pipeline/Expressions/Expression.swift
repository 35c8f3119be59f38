/// The syntax tree of a `${{ … }}` expression.
public indirect enum Expression: Sendable, Hashable {
    case literal(ExpressionValue)
    /// A context path such as `steps.build.outputs.version`: the root name then property accesses.
    case path(root: String, accessors: [Accessor])
    case call(name: String, arguments: [Expression])
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression)

    public enum Accessor: Sendable, Hashable {
        case property(String)
        case index(Expression)
    }

    public enum BinaryOperator: String, Sendable, Hashable {
        case and = "&&"
        case or = "||"
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// Every context path used in the expression, as (root, leading property names).
    public var references: [(root: String, properties: [String])] {
        switch self {
        case .literal: return []
        case .path(let root, let accessors):
            var names: [String] = []
            var nested: [(root: String, properties: [String])] = []
            var stopped = false
            for accessor in accessors {
                switch accessor {
                case .property(let name): if !stopped { names.append(name) }
                case .index(let expression):
                    stopped = true
                    nested += expression.references
                }
            }
            return [(root, names)] + nested
        case .call(_, let arguments): return arguments.flatMap(\.references)
        case .not(let inner): return inner.references
        case .binary(_, let lhs, let rhs): return lhs.references + rhs.references
        }
    }

    /// Names of every function called.
    public var calledFunctions: [String] {
        switch self {
        case .literal, .path: []
        case .call(let name, let arguments): [name] + arguments.flatMap(\.calledFunctions)
        case .not(let inner): inner.calledFunctions
        case .binary(_, let lhs, let rhs): lhs.calledFunctions + rhs.calledFunctions
        }
    }
}
