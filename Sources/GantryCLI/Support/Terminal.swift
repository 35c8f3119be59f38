import Foundation
import GantryCore

/// Plain `print` in this module goes through `Terminal.printOut`, so no command can print untrusted
/// text to a terminal unneutralised by accident.
func print(_ text: String) { Terminal.printOut(text) }

/// Writing to stdout and stderr without Foundation buffering surprises. Everything printed is
/// neutralised (`TerminalText`): messages carry file names, scanned content and command output,
/// which must not drive the terminal. Only `printRaw` writes escape sequences, for colour a
/// command builds itself around neutralised text.
enum Terminal {
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((TerminalText.neutralize(text) + "\n").utf8))
    }

    static func printOut(_ text: String) {
        FileHandle.standardOutput.write(Data((TerminalText.neutralize(text) + "\n").utf8))
    }

    /// Writes `text` as it is: only for colour codes around text that was neutralised already.
    static func printRaw(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Whether colour may be used on a descriptor: a TTY and no `NO_COLOR`.
    static func colorEnabled(fd: Int32 = 1) -> Bool {
        isatty(fd) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    /// Pretty, key-sorted JSON of a `JSONSerialization` object.
    static func json(_ object: Any) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
