import Foundation
import GantryCore
import Pipeline
import Processes

/// Turns a step's `shell:` and script into a command line.
///
/// - `bash` (default): `bash --noprofile --norc -eo pipefail -c <script>`
/// - `sh`: `sh -e -c <script>`
/// - `python` / `python3`: the script written to a file, run by `python3`
/// - anything with `{0}`: a template, `{0}` replaced by the path of a file holding the script
///   (e.g. `perl {0}`, `bash -x {0}`)
struct ShellCommand {
    var executable: String
    var arguments: [String]

    static func make(
        shell: String?, script: String, scratch: ScratchFiles, index: Int, path: String?
    ) throws -> ShellCommand {
        switch shell?.trimmingCharacters(in: .whitespaces) ?? "bash" {
        case "bash":
            if let words = simpleCommand(script, path: path ?? "/usr/bin:/bin") {
                return ShellCommand(executable: words[0], arguments: Array(words.dropFirst()))
            }
            return ShellCommand(
                executable: "bash", arguments: ["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        case "sh": return ShellCommand(executable: "sh", arguments: ["-e", "-c", script])
        case "python", "python3":
            return ShellCommand(executable: "python3", arguments: [try write(script, scratch, index, ".py")])
        case let template:
            let words = template.split(separator: " ").map(String.init)
            guard let first = words.first else { throw InputError("empty shell") }
            let path = try write(script, scratch, index, "")
            if words.contains(where: { $0.contains("{0}") }) {
                return ShellCommand(
                    executable: first,
                    arguments: words.dropFirst().map { $0.replacingOccurrences(of: "{0}", with: path) })
            }
            return ShellCommand(executable: first, arguments: Array(words.dropFirst()) + [path])
        }
    }

    /// Renders a `run:` script: for a POSIX shell, `${{ }}` placeholders become references to variables
    /// that carry their values (`ShellTemplate`), so no value is ever parsed as code. Other
    /// interpreters cannot be given values that way, so a placeholder there is refused with the safe form.
    static func render(_ script: String, shell: String?, in context: ExpressionContext) throws -> (
        String, [String: String]
    ) {
        guard Template.containsExpression(script) else { return (script, [:]) }
        let program = (shell ?? "bash").split(separator: " ").first.map { String($0.split(separator: "/").last ?? $0) }
        guard let program, ShellTemplate.posixShells.contains(program) else {
            let first = (try? Template.placeholders(in: script))?.first?.text ?? " … "
            let reason = "would be pasted into a '\(shell ?? "")' script as code"
            throw InputError(ShellTemplate.Refusal(expression: first, reason: reason).description)
        }
        return try ShellTemplate.render(script, in: context)
    }

    /// The words of a script that is one plain command (`true`, `make -j2 all`, `swift test`), which
    /// is run without a shell, as GNU make does: bash would do nothing but exec it. Nil for anything a
    /// shell must interpret: quotes, variables, globs, redirections, several commands, assignments, and
    /// builtins without a program of the same name (`exit`, `cd`, `export`, …).
    static func simpleCommand(_ script: String, path: String) -> [String]? {
        // Trimmed as bash splits words (space, tab, newline): anything else at the ends is part of a word.
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }
        let bytes = script.utf8
        guard let start = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) })
        else { return nil }
        let trimmed = script[start...last]
        guard trimmed.utf8.count <= 4096, trimmed.utf8.allSatisfy({ plainBytes[Int($0)] }) else { return nil }
        let words = trimmed.split(separator: " ").map(String.init)
        guard let first = words.first, !first.contains("="), !shellOnlyWords.contains(first) else { return nil }
        // Only when the program exists: otherwise bash gives the familiar "command not found" (127).
        // The resolved path replaces the name, so it is looked up once.
        guard let resolved = ExecutableLookup.resolve(first, path: path) else { return nil }
        return [resolved] + words.dropFirst()
    }

    /// Bytes a plain command may contain: letters, digits, space and `_./:,+=@%-`.
    static let plainBytes: [Bool] = (0..<256).map { byte in
        let scalar = Unicode.Scalar(UInt8(byte))
        return scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
            || "_./:,+=@%- ".unicodeScalars.contains(scalar)
    }

    /// Shell builtins and keywords that must run inside a shell.
    static let shellOnlyWords: Set<String> = [
        "alias", "bg", "bind", "break", "builtin", "caller", "case", "cd", "command", "compgen", "complete",
        "continue", "declare", "dirs", "disown", "do", "done", "elif", "else", "enable", "esac", "eval", "exec",
        "exit", "export", "fc", "fg", "fi", "for", "function", "getopts", "hash", "help", "history", "if", "in",
        "jobs", "let", "local", "logout", "mapfile", "popd", "pushd", "read", "readarray", "readonly", "return",
        "select", "set", "shift", "shopt", "source", "suspend", "then", "time", "times", "trap", "type", "typeset",
        "ulimit", "umask", "unalias", "unset", "until", "wait", "while", ".",
    ]

    private static func write(_ script: String, _ scratch: ScratchFiles, _ index: Int, _ suffix: String) throws
        -> String
    {
        let path = scratch.path("script-\(index)\(suffix)")
        try Data(script.utf8).write(to: URL(fileURLWithPath: path, isDirectory: false))
        return path
    }
}
