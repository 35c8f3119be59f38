import Foundation

/// Strings with `${{ expression }}` placeholders.
public enum Template {
    /// One placeholder: the expression text and its character offset in the template.
    public struct Placeholder: Sendable {
        public var text: String
        public var offset: Int
    }

    /// The problem with a template: an unclosed placeholder or a syntax error inside one.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public let offset: Int
        public var description: String { message }
    }

    /// Splits a template into literal text and placeholders.
    public static func placeholders(in template: String) throws(Failure) -> [Placeholder] {
        try segments(template).compactMap {
            if case .expression(let text, let offset) = $0 { return Placeholder(text: text, offset: offset) }
            return nil
        }
    }

    /// Parses every placeholder, for validation; returns them with their parsed expression.
    public static func parse(_ template: String) throws(Failure) -> [(Placeholder, Expression)] {
        var result: [(Placeholder, Expression)] = []
        for placeholder in try placeholders(in: template) {
            do {
                result.append((placeholder, try ExpressionParser.parse(placeholder.text)))
            } catch {
                throw Failure(
                    message: "in '${{\(placeholder.text)}}': \(error.message)",
                    offset: placeholder.offset + error.offset)
            }
        }
        return result
    }

    /// Whether the string holds any placeholder.
    public static func containsExpression(_ text: String) -> Bool {
        // A byte scan: asked for every value of every job, and Foundation's `contains` is a slow search.
        var utf8 = text.utf8.makeIterator()
        var run = 0  // how much of `${{` the bytes just read match
        while let byte = utf8.next() {
            switch (run, byte) {
            case (_, UInt8(ascii: "$")): run = 1
            case (1, UInt8(ascii: "{")): run = 2
            case (2, UInt8(ascii: "{")): return true
            default: run = 0
            }
        }
        return false
    }

    /// `text` written so that a template reads it as itself: each `${{` becomes an expression that
    /// yields it. For text from a file or a trigger (a commit message) that must never be evaluated.
    public static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: "${{", with: "${{ '${{' }}")
    }

    /// Replaces every placeholder with its value's string form.
    public static func render(_ template: String, in context: ExpressionContext) throws -> String {
        guard containsExpression(template) else { return template }
        var out = ""
        for segment in try segments(template) {
            switch segment {
            case .literal(let text): out += text
            case .expression(let text, let offset):
                let expression: Expression
                do {
                    expression = try ExpressionParser.parse(text)
                } catch {
                    throw Failure(message: "in '${{\(text)}}': \(error.message)", offset: offset)
                }
                out += try ExpressionEvaluator.evaluate(expression, in: context).stringValue
            }
        }
        return out
    }

    /// Evaluates an `if:` condition, which may be written with or without `${{ }}`.
    public static func condition(_ text: String) throws(Failure) -> Expression {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("${{") && body.hasSuffix("}}") && body.components(separatedBy: "${{").count == 2 {
            body = String(body.dropFirst(3).dropLast(2))
        }
        do {
            return try ExpressionParser.parse(body)
        } catch {
            throw Failure(message: error.message, offset: error.offset)
        }
    }

    enum Segment {
        case literal(String)
        case expression(String, Int)
    }

    /// Literal text and placeholders in order (for `ShellTemplate`).
    static func segmentsForShell(_ template: String) throws(Failure) -> [Segment] { try segments(template) }

    private static func segments(_ template: String) throws(Failure) -> [Segment] {
        var result: [Segment] = []
        let chars = Array(template)
        var i = 0
        var literal = ""
        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "{", chars[i + 2] == "{" {
                if !literal.isEmpty { result.append(.literal(literal)) }
                literal = ""
                let start = i
                i += 3
                var body = ""
                var closed = false
                var inString = false
                while i < chars.count {
                    if chars[i] == "'" { inString.toggle() }
                    if !inString, chars[i] == "}", i + 1 < chars.count, chars[i + 1] == "}" {
                        closed = true
                        i += 2
                        break
                    }
                    body.append(chars[i])
                    i += 1
                }
                guard closed else { throw Failure(message: "'${{' is never closed with '}}'", offset: start) }
                result.append(.expression(body, start + 3))
            } else {
                literal.append(chars[i])
                i += 1
            }
        }
        if !literal.isEmpty { result.append(.literal(literal)) }
        return result
    }
}
