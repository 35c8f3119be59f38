import GantryCore
import Yams

/// A YAML file composed into nodes, with helpers to turn node marks into `SourceLocation`s.
struct YAMLDocument {
    let file: String
    let lines: [Substring]
    let root: Node?

    /// Composes `text`; YAML syntax errors become a single diagnostic with the parser's line and column.
    init(file: String, text: String) throws(DiagnosticsError) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        do {
            self.root = try BoundedYAML.compose(text)
        } catch let error as BoundedYAML.TooLarge {
            throw DiagnosticsError([
                Diagnostic(SourceLocation(file: file, line: error.line, column: error.column), .error, error.message)
            ])
        } catch let error as YamlError {
            throw DiagnosticsError([YAMLDocument.diagnostic(for: error, file: file)])
        } catch {
            throw DiagnosticsError([Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "\(error)")])
        }
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        func at(_ mark: Mark, _ message: String) -> Diagnostic {
            Diagnostic(SourceLocation(file: file, line: mark.line, column: mark.column), .error, message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let extra = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return at(mark, "YAML syntax error: \(problem)\(extra)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return at(context.mark, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in mapping")
        case .reader(let problem, let offset, _, _):
            return Diagnostic(
                SourceLocation(file: file, line: 1, column: 1), .error,
                "cannot read YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "YAML error: \(error)")
        }
    }

    /// The same file with another node tree (a workflow read into the shape of a `gantry.yml`; its
    /// nodes keep their marks, so locations stay those of the file).
    func replacingRoot(_ root: Node?) -> YAMLDocument {
        YAMLDocument(file: file, lines: lines, root: root)
    }

    private init(file: String, lines: [Substring], root: Node?) {
        self.file = file
        self.lines = lines
        self.root = root
    }

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// The location of character `offset` inside a scalar node's value, following the source lines.
    func location(_ node: Node, offset: Int) -> SourceLocation {
        let base = location(node)
        guard case .scalar(let scalar) = node else { return base }
        let value = Array(scalar.string)
        let prefix = value[..<min(offset, value.count)]
        let newlines = prefix.filter { $0 == "\n" }.count
        switch scalar.style {
        case .literal, .folded:
            let lineIndex = base.line + newlines  // content starts on the line after the indicator
            let lineStart = prefix.lastIndex(of: "\n").map { $0 + 1 } ?? 0
            let lineText = String(value[lineStart..<min(value.count, value.firstIndex(from: lineStart, of: "\n"))])
            if lineIndex < lines.count, let range = lines[lineIndex].range(of: lineText) {
                let column = lines[lineIndex].distance(from: lines[lineIndex].startIndex, to: range.lowerBound)
                return SourceLocation(file: file, line: lineIndex + 1, column: column + (offset - lineStart) + 1)
            }
            return SourceLocation(file: file, line: lineIndex + 1, column: 1)
        case .singleQuoted, .doubleQuoted:
            return newlines == 0 ? SourceLocation(file: file, line: base.line, column: base.column + offset + 1) : base
        default:
            return newlines == 0 ? SourceLocation(file: file, line: base.line, column: base.column + offset) : base
        }
    }
}

extension Array where Element == Character {
    fileprivate func firstIndex(from start: Int, of character: Character) -> Int {
        var index = start
        while index < count, self[index] != character { index += 1 }
        return index
    }
}

extension Node {
    /// A short name of the node's kind for "expected X, found Y" messages.
    var kindName: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull {
                return "null"
            }
            return "'\(scalar.string)'"
        }
    }

    var isNull: Bool {
        if case .scalar(let scalar) = self {
            return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }
}
