import GantryCore

/// A GitLab CI/CD variable expression, as `rules:if`, `workflow:rules:if` and `only:variables` write
/// them: `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"`,
/// `$CI_COMMIT_TAG =~ /^v\d+/`, `($DEPLOY || $FORCE) && $CI_COMMIT_REF_PROTECTED == "true"`.
///
/// Operands are variables (`$NAME`, `${NAME}`), strings in single or double quotes, `null` and
/// `/regular expressions/` with the flags `i`, `m`, `s` (matched in linear time, as GitLab's RE2 does);
/// operators are `==`, `!=`, `=~`, `!~`, `&&` (binding tighter), `||` and parentheses. A variable alone
/// is true when it is defined and not empty; an undefined variable equals `null` only; `=~` is false
/// and `!~` true for an undefined variable.
struct GitLabExpression {
    /// An expression that cannot be parsed.
    struct SyntaxError: Error, CustomStringConvertible {
        let message: String
        /// 0-based offset in the expression text.
        let offset: Int
        var description: String { message }
    }

    /// The longest expression read (GitLab's own limit is far lower in practice).
    static let maximumLength = 10_000

    fileprivate indirect enum Node {
        case variable(String)
        case string(String)
        case null
        case regex(LinearRegex, source: String)
        case compare(Node, Comparison, Node)
        case and(Node, Node)
        case or(Node, Node)
    }

    fileprivate enum Comparison: String {
        case equal = "=="
        case notEqual = "!="
        case matches = "=~"
        case notMatches = "!~"
    }

    private let root: Node
    /// The variables it reads.
    let variables: Set<String>

    init(_ text: String) throws(SyntaxError) {
        guard text.count <= Self.maximumLength else {
            throw SyntaxError(message: "the expression is longer than \(Self.maximumLength) characters", offset: 0)
        }
        var parser = Parser(text: Array(text.unicodeScalars))
        root = try parser.parse()
        variables = parser.variables
    }

    /// The expression's value with these variables defined.
    func evaluate(_ variables: [String: String]) -> Bool {
        Self.truthy(Self.value(root, variables))
    }

    // MARK: Evaluation

    private enum Value {
        case string(String?)
        case bool(Bool)
        case regex(LinearRegex)
    }

    private static func truthy(_ value: Value) -> Bool {
        switch value {
        case .bool(let bool): bool
        case .string(let text): !(text ?? "").isEmpty
        case .regex: true
        }
    }

    private static func value(_ node: Node, _ variables: [String: String]) -> Value {
        switch node {
        case .variable(let name): return .string(variables[name])
        case .string(let text): return .string(text)
        case .null: return .string(nil)
        case .regex(let regex, _): return .regex(regex)
        case .and(let left, let right):
            return .bool(truthy(value(left, variables)) && truthy(value(right, variables)))
        case .or(let left, let right):
            return .bool(truthy(value(left, variables)) || truthy(value(right, variables)))
        case .compare(let left, let comparison, let right):
            let lhs = value(left, variables)
            let rhs = value(right, variables)
            switch comparison {
            case .equal: return .bool(equal(lhs, rhs))
            case .notEqual: return .bool(!equal(lhs, rhs))
            case .matches: return .bool(match(lhs, rhs))
            case .notMatches: return .bool(!match(lhs, rhs))
            }
        }
    }

    private static func equal(_ lhs: Value, _ rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        default: false
        }
    }

    /// `subject =~ pattern`: the pattern is a regex literal, or a variable holding `/…/flags` (or a
    /// bare pattern).
    private static func match(_ subject: Value, _ pattern: Value) -> Bool {
        guard case .string(let text?) = subject else { return false }
        switch pattern {
        case .regex(let regex): return regex.matches(text)
        case .string(let source?):
            guard let regex = try? Self.regex(fromVariable: source) else { return false }
            return regex.matches(text)
        default: return false
        }
    }

    /// A pattern held in a variable: `/…/flags`, or the whole value.
    static func regex(fromVariable source: String) throws -> LinearRegex {
        if source.hasPrefix("/"), let close = source.lastIndex(of: "/"), close != source.startIndex {
            let body = String(source[source.index(after: source.startIndex)..<close])
            let flags = String(source[source.index(after: close)...])
            if flags.allSatisfy({ "ims".contains($0) }) { return try LinearRegex(body, flags: flags) }
        }
        return try LinearRegex(source)
    }

    // MARK: Parsing

    private struct Parser {
        let text: [Unicode.Scalar]
        var index = 0
        var depth = 0
        var variables: Set<String> = []

        init(text: [Unicode.Scalar]) { self.text = text }

        func fail(_ message: String, at offset: Int? = nil) -> SyntaxError {
            SyntaxError(message: message, offset: offset ?? index)
        }

        mutating func skipSpace() {
            while index < text.count, text[index].properties.isWhitespace { index += 1 }
        }

        mutating func parse() throws(SyntaxError) -> Node {
            skipSpace()
            guard index < text.count else { throw fail("the expression is empty") }
            let node = try parseOr()
            skipSpace()
            if index < text.count {
                throw fail("unexpected '\(String(String.UnicodeScalarView(text[index...].prefix(20))))'")
            }
            return node
        }

        mutating func consume(_ token: String) -> Bool {
            skipSpace()
            let scalars = Array(token.unicodeScalars)
            guard index + scalars.count <= text.count, Array(text[index..<(index + scalars.count)]) == scalars
            else { return false }
            index += scalars.count
            return true
        }

        mutating func parseOr() throws(SyntaxError) -> Node {
            var node = try parseAnd()
            while consume("||") { node = .or(node, try parseAnd()) }
            return node
        }

        mutating func parseAnd() throws(SyntaxError) -> Node {
            var node = try parseComparison()
            while consume("&&") { node = .and(node, try parseComparison()) }
            return node
        }

        mutating func parseComparison() throws(SyntaxError) -> Node {
            let left = try parsePrimary()
            for comparison in [Comparison.equal, .notEqual, .matches, .notMatches] where consume(comparison.rawValue) {
                let start = index
                let right = try parsePrimary()
                if comparison == .matches || comparison == .notMatches {
                    switch right {
                    case .regex, .variable: break
                    default:
                        throw fail(
                            "'\(comparison.rawValue)' needs a /regular expression/ or a variable on its right",
                            at: start)
                    }
                }
                return .compare(left, comparison, right)
            }
            return left
        }

        mutating func parsePrimary() throws(SyntaxError) -> Node {
            skipSpace()
            guard index < text.count else { throw fail("the expression ends where a value was expected") }
            let start = index
            switch text[index] {
            case "(":
                depth += 1
                defer { depth -= 1 }
                guard depth <= 50 else { throw fail("parentheses nested more than 50 deep") }
                index += 1
                let inner = try parseOr()
                guard consume(")") else { throw fail("missing ')' for the '(' at character \(start + 1)") }
                return inner
            case "$":
                index += 1
                var braced = false
                if index < text.count, text[index] == "{" {
                    braced = true
                    index += 1
                }
                let nameStart = index
                while index < text.count,
                    text[index].properties.isAlphabetic || ("0"..."9").contains(text[index])
                        || text[index] == "_"
                {
                    index += 1
                }
                guard index > nameStart else { throw fail("'$' must be followed by a variable name", at: start) }
                let name = String(String.UnicodeScalarView(text[nameStart..<index]))
                if braced {
                    guard index < text.count, text[index] == "}" else { throw fail("missing '}' after ${\(name)") }
                    index += 1
                }
                variables.insert(name)
                return .variable(name)
            case "\"", "'":
                let quote = text[index]
                index += 1
                var value = ""
                while index < text.count, text[index] != quote {
                    if text[index] == "\\", index + 1 < text.count, text[index + 1] == quote { index += 1 }
                    value.unicodeScalars.append(text[index])
                    index += 1
                }
                guard index < text.count else { throw fail("unterminated string", at: start) }
                index += 1
                return .string(value)
            case "/":
                index += 1
                var source = ""
                while index < text.count, text[index] != "/" {
                    if text[index] == "\\", index + 1 < text.count {
                        // `\/` is a slash in the pattern; other escapes are the pattern's own.
                        if text[index + 1] != "/" { source.unicodeScalars.append("\\") }
                        index += 1
                    }
                    source.unicodeScalars.append(text[index])
                    index += 1
                }
                guard index < text.count else { throw fail("unterminated regular expression", at: start) }
                index += 1
                var flags = ""
                while index < text.count, text[index].properties.isAlphabetic {
                    flags.unicodeScalars.append(text[index])
                    index += 1
                }
                do {
                    return .regex(try LinearRegex(source, flags: flags), source: source)
                } catch {
                    throw fail("\(error.message) in /\(source)/", at: start)
                }
            default:
                if consume("null") { return .null }
                throw fail(
                    "expected a $VARIABLE, a \"string\", null or a /regular expression/, found '\(Character(text[start]))'",
                    at: start)
            }
        }
    }
}
