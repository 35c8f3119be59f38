import Foundation
import GantryCore

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

    static func make(shell: String?, script: String, scratch: URL, index: Int) throws -> ShellCommand {
        switch shell?.trimmingCharacters(in: .whitespaces) ?? "bash" {
        case "bash":
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

    private static func write(_ script: String, _ scratch: URL, _ index: Int, _ suffix: String) throws -> String {
        let url = scratch.appendingPathComponent("script-\(index)\(suffix)")
        try Data(script.utf8).write(to: url)
        return url.path
    }
}
