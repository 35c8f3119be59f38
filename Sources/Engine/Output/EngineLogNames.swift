import Foundation

/// Log file naming and reading shared by the writer, `gantry logs` and the server.
public enum EngineLogNames {
    /// `.gantry/logs/<run>/<this>`: the concrete job name with unusual characters replaced by `_`.
    public static func fileName(_ job: String) -> String { JobRunner.logFileName(job) }

    /// Calls `body` with each line of a log file, reading it in chunks; `body` returns false to stop.
    public static func forEachLine(of url: URL, _ body: (String) throws -> Bool) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var pending = Data()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if try !body(line) { return }
            }
        }
        if !pending.isEmpty { _ = try body(String(decoding: pending, as: UTF8.self)) }
    }
}
