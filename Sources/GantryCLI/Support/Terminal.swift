import Foundation
import GantryCore
import Synchronization

/// Plain `print` in this module goes through `Terminal.printOut`, so no command can print untrusted
/// text to a terminal unneutralised by accident.
func print(_ text: String) { Terminal.printOut(text) }

/// Writing to stdout and stderr without Foundation buffering surprises. Everything printed is
/// neutralised (`TerminalText`): messages carry file names, scanned content and command output,
/// which must not drive the terminal. Only `printRaw` writes escape sequences, for colour a
/// command builds itself around neutralised text.
enum Terminal {
    /// Set once stdout's reader went away (`gantry logs | head -1`): output ends there, quietly.
    private static let stdoutClosed = Atomic<Bool>(false)

    /// Whether stdout's reader is gone; long printing loops stop early.
    static var outputClosed: Bool { stdoutClosed.load(ordering: .relaxed) }

    static func printError(_ text: String) {
        write(2, TerminalText.neutralize(text) + "\n")
    }

    static func printOut(_ text: String) {
        write(1, TerminalText.neutralize(text) + "\n")
    }

    /// Writes `text` as it is: only for colour codes around text that was neutralised already.
    static func printRaw(_ text: String) {
        write(1, text + "\n")
    }

    /// Writes bytes a command produced (deploy output) to stdout or stderr.
    static func write(_ fd: Int32, _ data: Data) {
        guard !(fd == 1 && outputClosed) else { return }
        if !RawFile.writeAll(fd, data), errno == EPIPE, fd == 1 { stdoutClosed.store(true, ordering: .relaxed) }
    }

    /// A closed pipe is the normal end of output (SIGPIPE is ignored, so `write` says EPIPE): never a
    /// crash, as Foundation's `FileHandle.write` makes it.
    private static func write(_ fd: Int32, _ text: String) {
        write(fd, Data(text.utf8))
    }

    /// Whether colour may be used on a descriptor: a TTY and no `NO_COLOR`.
    static func colorEnabled(fd: Int32 = 1) -> Bool {
        isatty(fd) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    /// Pretty, key-sorted JSON of a `JSONSerialization` object.
    static func json(_ object: Any) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: plain(object), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// `object` with typed values JSON has no type for written as their text (a `Digest` as
    /// `sha256:…`), so that a record's fields can go in as they are.
    private static func plain(_ object: Any) -> Any {
        switch object {
        case let digest as Digest: digest.description
        case let dictionary as [String: Any]: dictionary.mapValues(plain)
        case let array as [Any]: array.map(plain)
        default: object
        }
    }
}
