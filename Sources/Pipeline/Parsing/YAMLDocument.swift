import GantryCore
import Yams

/// A YAML file composed into nodes, with helpers to turn node marks into `SourceLocation`s.
struct YAMLDocument {
    let file: String
    let lines: [Substring]
    let root: Node?
    /// Other files whose nodes were merged into this document (a GitLab CI file's local includes).
    /// Each was composed after `firstLine - 1` blank lines, so its nodes' marks are line numbers past
    /// every earlier file's and a mark alone says which file it is in.
    private(set) var includedSources: [IncludedSource] = []

    /// One included file and where its lines start in the marks.
    struct IncludedSource {
        let file: String
        let lines: [Substring]
        /// The mark line of the file's first line.
        let firstLine: Int
    }

    /// The first mark line free for another included file.
    var nextFreeLine: Int {
        (includedSources.last.map { $0.firstLine + $0.lines.count } ?? lines.count + 1) + 1
    }

    /// Registers an included file, and returns its text padded so that its marks land after every
    /// file already registered (compose the result).
    mutating func include(file: String, text: String) -> String {
        let firstLine = nextFreeLine
        includedSources.append(
            IncludedSource(
                file: file, lines: text.split(separator: "\n", omittingEmptySubsequences: false),
                firstLine: firstLine))
        return String(repeating: "\n", count: firstLine - 1) + text
    }

    /// The mark line of an included file's first line (1 for the main file).
    func firstLine(ofIncluded file: String) -> Int {
        includedSources.last { $0.file == file }?.firstLine ?? 1
    }

    /// The file, its lines and the offset to subtract from a mark line.
    private func source(ofLine line: Int) -> (file: String, lines: [Substring], offset: Int) {
        if let included = includedSources.last(where: { $0.firstLine <= line }) {
            return (included.file, included.lines, included.firstLine - 1)
        }
        return (file, lines, 0)
    }

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
            throw DiagnosticsError([Diagnostic.yaml(error, file: file)])
        } catch {
            throw DiagnosticsError([Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "\(error)")])
        }
    }

    /// The same file with another node tree (a workflow read into the shape of a `gantry.yml`; its
    /// nodes keep their marks, so locations stay those of the file).
    func replacingRoot(_ root: Node?) -> YAMLDocument {
        var document = YAMLDocument(file: file, lines: lines, root: root)
        document.includedSources = includedSources
        return document
    }

    private init(file: String, lines: [Substring], root: Node?) {
        self.file = file
        self.lines = lines
        self.root = root
    }

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        let source = source(ofLine: mark.line)
        return SourceLocation(file: source.file, line: mark.line - source.offset, column: mark.column)
    }

    /// The location of character `offset` inside a scalar node's value, following the source lines.
    func location(_ node: Node, offset: Int) -> SourceLocation {
        let base = location(node)
        guard case .scalar(let scalar) = node else { return base }
        let file = base.file
        let lines = source(ofLine: node.mark?.line ?? 1).lines
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
