public import Yams

extension Diagnostic {
    /// A YAML syntax (or reading) error as a diagnostic at the parser's line and column.
    public static func yaml(_ error: YamlError, file: String) -> Diagnostic {
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
}
