/// Parses the text inside `${{ }}` into an `Expression`.
///
/// Grammar (lowest precedence first): `||`, `&&`, `== !=`, `< <= > >=`, unary `!`, then primaries:
/// literals (`'str'`, numbers, `true`, `false`, `null`), parentheses, calls `f(a, b)`, and paths
/// `root.a.b`, `root['a']`, `root.*`.
public struct ExpressionParser {
    /// A syntax error with its column (1-based) inside the expression text.
    public struct SyntaxError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public let offset: Int
        public var description: String { message }
    }

    private var tokens: [Token]
    private var position = 0

    /// Parses `text`; throws `SyntaxError` for anything that is not a complete expression.
    public static func parse(_ text: String) throws(SyntaxError) -> Expression {
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokenize(text))
        guard parser.peek.kind != .end else { throw SyntaxError(message: "empty expression", offset: 0) }
        let expression = try parser.parseOr()
        guard parser.peek.kind == .end else {
            throw SyntaxError(message: "unexpected '\(parser.peek.text)'", offset: parser.peek.offset)
        }
        return expression
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[position] }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(SyntaxError) -> Token {
        guard peek.kind == kind else {
            let found = peek.kind == .end ? "end of expression" : "'\(peek.text)'"
            throw SyntaxError(message: "expected \(what) but found \(found)", offset: peek.offset)
        }
        return advance()
    }

    private mutating func parseOr() throws(SyntaxError) -> Expression {
        var lhs = try parseAnd()
        while peek.kind == .op, peek.text == "||" {
            _ = advance()
            lhs = .binary(.or, lhs, try parseAnd())
        }
        return lhs
    }

    private mutating func parseAnd() throws(SyntaxError) -> Expression {
        var lhs = try parseEquality()
        while peek.kind == .op, peek.text == "&&" {
            _ = advance()
            lhs = .binary(.and, lhs, try parseEquality())
        }
        return lhs
    }

    private mutating func parseEquality() throws(SyntaxError) -> Expression {
        var lhs = try parseComparison()
        while peek.kind == .op, let op = Expression.BinaryOperator(rawValue: peek.text), op == .equal || op == .notEqual
        {
            _ = advance()
            lhs = .binary(op, lhs, try parseComparison())
        }
        return lhs
    }

    private mutating func parseComparison() throws(SyntaxError) -> Expression {
        var lhs = try parseUnary()
        while peek.kind == .op, let op = Expression.BinaryOperator(rawValue: peek.text),
            [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(op)
        {
            _ = advance()
            lhs = .binary(op, lhs, try parseUnary())
        }
        return lhs
    }

    private mutating func parseUnary() throws(SyntaxError) -> Expression {
        if peek.kind == .op, peek.text == "!" {
            _ = advance()
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(SyntaxError) -> Expression {
        let token = advance()
        switch token.kind {
        case .string: return .literal(.string(token.text))
        case .number:
            guard let value = ExpressionValue.string(token.text).numberValue as Double?, !value.isNaN else {
                throw SyntaxError(message: "invalid number '\(token.text)'", offset: token.offset)
            }
            return .literal(.number(value))
        case .lparen:
            let inner = try parseOr()
            _ = try expect(.rparen, "')'")
            return inner
        case .identifier:
            switch token.text {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: break
            }
            if peek.kind == .lparen {
                _ = advance()
                var arguments: [Expression] = []
                if peek.kind != .rparen {
                    arguments.append(try parseOr())
                    while peek.kind == .comma {
                        _ = advance()
                        arguments.append(try parseOr())
                    }
                }
                _ = try expect(.rparen, "')' to close the call to \(token.text)")
                return .call(name: token.text, arguments: arguments)
            }
            var accessors: [Expression.Accessor] = []
            while true {
                if peek.kind == .dot {
                    _ = advance()
                    if peek.kind == .op, peek.text == "*" {
                        _ = advance()
                        accessors.append(.property("*"))
                    } else {
                        accessors.append(.property(try expect(.identifier, "a property name after '.'").text))
                    }
                } else if peek.kind == .lbracket {
                    _ = advance()
                    let index = try parseOr()
                    _ = try expect(.rbracket, "']'")
                    accessors.append(.index(index))
                } else {
                    break
                }
            }
            return .path(root: token.text, accessors: accessors)
        case .end:
            throw SyntaxError(message: "unexpected end of expression", offset: token.offset)
        default:
            throw SyntaxError(message: "unexpected '\(token.text)'", offset: token.offset)
        }
    }
}

struct Token: Sendable {
    enum Kind: Sendable { case identifier, string, number, op, dot, comma, lparen, rparen, lbracket, rbracket, end }
    var kind: Kind
    var text: String
    var offset: Int
}

enum ExpressionLexer {
    static func tokenize(_ text: String) throws(ExpressionParser.SyntaxError) -> [Token] {
        let chars = Array(text)
        var tokens: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
                continue
            }
            let start = i
            if c == "'" {
                var value = ""
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "'" {
                        if i + 1 < chars.count, chars[i + 1] == "'" {
                            value.append("'")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(chars[i])
                    i += 1
                }
                guard closed else {
                    throw .init(message: "unterminated string (strings use single quotes)", offset: start)
                }
                tokens.append(Token(kind: .string, text: value, offset: start))
            } else if c == "\"" {
                throw .init(message: "strings use single quotes, not double quotes", offset: start)
            } else if c.isNumber || (c == "-" && i + 1 < chars.count && chars[i + 1].isNumber) {
                i += 1
                while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i].isLetter { i += 1 }
                tokens.append(Token(kind: .number, text: String(chars[start..<i]), offset: start))
            } else if c.isLetter || c == "_" {
                i += 1
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" {
                    i += 1
                }
                tokens.append(Token(kind: .identifier, text: String(chars[start..<i]), offset: start))
            } else {
                let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
                if ["&&", "||", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(Token(kind: .op, text: two, offset: start))
                    i += 2
                    continue
                }
                let kind: Token.Kind
                switch c {
                case ".": kind = .dot
                case ",": kind = .comma
                case "(": kind = .lparen
                case ")": kind = .rparen
                case "[": kind = .lbracket
                case "]": kind = .rbracket
                case "!", "<", ">", "*": kind = .op
                default: throw .init(message: "unexpected character '\(c)'", offset: start)
                }
                tokens.append(Token(kind: kind, text: String(c), offset: start))
                i += 1
            }
        }
        tokens.append(Token(kind: .end, text: "", offset: chars.count))
        return tokens
    }
}
