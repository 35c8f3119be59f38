import Foundation

/// Writing to stdout and stderr without Foundation buffering surprises.
enum Terminal {
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func printOut(_ text: String) {
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
