/// Renders a `run:` script for a POSIX shell without pasting expression values into its code.
///
/// Pasting `${{ needs.build.outputs.title }}` into a script runs whatever the value holds (`$(…)`,
/// a closing quote and a command): the script-injection class of GitHub Actions. Here each
/// placeholder becomes a reference to an environment variable `GANTRY_EXPR_<n>` holding the value,
/// written so that the shell expands it where the placeholder stood:
/// - outside quotes and inside `"…"`, `$(…)` or backticks: `${GANTRY_EXPR_n}` (word splitting as a
///   pasted value would have; the value is never parsed as code);
/// - inside `'…'` or `$'…'`: the quote is closed around `"${GANTRY_EXPR_n}"`;
/// - in a heredoc with an unquoted delimiter: `${GANTRY_EXPR_n}`; with a quoted delimiter the shell
///   expands nothing, so the placeholder is refused with the safe form;
/// - in a comment: left as it is (not evaluated).
public enum ShellTemplate {
    /// The prefix of the variables that carry placeholder values.
    public static let variablePrefix = "GANTRY_EXPR_"

    /// Shells whose quoting this understands (by program name).
    public static let posixShells: Set<String> = ["bash", "sh", "dash", "zsh", "ksh", "ash"]

    /// A placeholder that cannot be passed safely.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let expression: String
        public let reason: String

        public init(expression: String, reason: String) {
            self.expression = expression
            self.reason = reason
        }

        public var description: String {
            "'${{\(expression)}}' \(reason): pass the value through env: and read it as a variable "
                + "(env: { VALUE: ${{\(expression)}} }, then \"$VALUE\" in the script)"
        }
    }

    /// The script with placeholders replaced by variable references, and the variables' values.
    /// - Throws: `Template.Failure` for syntax errors, evaluation errors, or `Refusal`.
    public static func render(_ script: String, in context: ExpressionContext) throws -> (
        script: String, environment: [String: String]
    ) {
        guard Template.containsExpression(script) else { return (script, [:]) }
        var scanner = ShellQuoting()
        var out = ""
        var environment: [String: String] = [:]
        for segment in try Template.segmentsForShell(script) {
            switch segment {
            case .literal(let text):
                scanner.consume(text)
                out += text
            case .expression(let text, let offset):
                if scanner.inComment {
                    out += "${{\(text)}}"
                    continue
                }
                if scanner.inQuotedHeredoc {
                    throw Refusal(
                        expression: text, reason: "is inside a heredoc with a quoted delimiter, which expands nothing")
                }
                let expression: Expression
                do {
                    expression = try ExpressionParser.parse(text)
                } catch {
                    throw Template.Failure(message: "in '${{\(text)}}': \(error.message)", offset: offset)
                }
                let name = "\(variablePrefix)\(environment.count + 1)"
                environment[name] = try ExpressionEvaluator.evaluate(expression, in: context).stringValue
                switch scanner.context {
                case .single: out += "'\"${\(name)}\"'"
                case .ansiC: out += "'\"${\(name)}\"$'"
                default: out += "${\(name)}"
                }
            }
        }
        return (out, environment)
    }
}

/// Follows POSIX shell quoting through a script, as far as placeholders need: which kind of quote,
/// substitution, comment or heredoc body the text so far ends in.
struct ShellQuoting {
    enum Context: Equatable {
        case normal
        /// `$(…)` with its count of open parentheses.
        case substitution(Int)
        case backtick
        case double
        case single
        case ansiC
    }

    struct Heredoc {
        var delimiter: String
        var stripTabs: Bool
        var quoted: Bool
    }

    private(set) var stack: [Context] = [.normal]
    private(set) var inComment = false
    /// The heredoc whose body the text is in, and those announced after it.
    private var heredocs: [Heredoc] = []
    private var inHeredocBody = false
    /// The current line, and where `<<` operators occur in it.
    private var line: [Character] = []
    private var operators: [Int] = []
    private var previous: Character = "\n"
    private var escaped = false

    var context: Context { stack.last ?? .normal }
    var inQuotedHeredoc: Bool { inHeredocBody && heredocs.first?.quoted == true }

    mutating func consume(_ text: String) {
        for character in text { consume(character) }
    }

    private mutating func consume(_ character: Character) {
        defer { previous = character }
        if inHeredocBody {
            guard character == "\n" else { return line.append(character) }
            if let body = heredocs.first {
                let candidate = body.stripTabs ? Array(line.drop { $0 == "\t" }) : line
                if String(candidate) == body.delimiter {
                    heredocs.removeFirst()
                    inHeredocBody = !heredocs.isEmpty
                }
            }
            line = []
            return
        }
        if character == "\n" {
            inComment = false
            escaped = false
            for position in operators { announceHeredoc(at: position) }
            operators = []
            line = []
            inHeredocBody = !heredocs.isEmpty
            return
        }
        line.append(character)
        if inComment { return }
        if escaped {
            escaped = false
            return
        }
        switch context {
        case .single:
            if character == "'" { stack.removeLast() }
        case .ansiC:
            if character == "\\" { escaped = true } else if character == "'" { stack.removeLast() }
        case .double:
            switch character {
            case "\\": escaped = true
            case "\"": stack.removeLast()
            case "`": stack.append(.backtick)
            case "(" where previous == "$": stack.append(.substitution(1))
            default: break
            }
        case .normal, .backtick, .substitution:
            switch character {
            case "\\": escaped = true
            case "'": stack.append(previous == "$" ? .ansiC : .single)
            case "\"": stack.append(.double)
            case "`": if context == .backtick { stack.removeLast() } else { stack.append(.backtick) }
            case "#" where " \t\n;&|(".contains(previous): inComment = true
            case "(" where previous == "$": stack.append(.substitution(1))
            case "(":
                if case .substitution(let depth) = context { stack[stack.count - 1] = .substitution(depth + 1) }
            case ")":
                if case .substitution(let depth) = context {
                    if depth == 1 { stack.removeLast() } else { stack[stack.count - 1] = .substitution(depth - 1) }
                }
            case "<" where previous == "<" && operators.last != line.count - 1:
                operators.append(line.count)
            default: break
            }
        }
    }

    /// Reads the delimiter after the `<<` ending at `position` in the finished line (`<<<` is a here-string).
    private mutating func announceHeredoc(at position: Int) {
        var index = position
        guard index >= line.count || line[index] != "<" else { return }
        var stripTabs = false
        if index < line.count, line[index] == "-" {
            stripTabs = true
            index += 1
        }
        while index < line.count, line[index] == " " || line[index] == "\t" { index += 1 }
        var delimiter = ""
        var quoted = false
        var quote: Character?
        while index < line.count {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil } else { delimiter.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                quoted = true
            } else if character == "\\" {
                quoted = true
            } else if " \t;&|<>()".contains(character) {
                break
            } else {
                delimiter.append(character)
            }
            index += 1
        }
        guard !delimiter.isEmpty else { return }
        heredocs.append(Heredoc(delimiter: delimiter, stripTabs: stripTabs, quoted: quoted))
    }
}
