import Foundation

/// Reads the files a step writes to talk back: `$GANTRY_OUTPUT` (step outputs) and `$GANTRY_ENV`
/// (variables for later steps). Both take `key=value` lines and heredoc blocks:
///
///     version=1.2.3
///     notes<<EOF
///     line one
///     line two
///     EOF
public enum StepFileCommands {
    /// A malformed line, with its 1-based number.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let file: String
        public let line: Int
        public let message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// The largest file read (outputs are for small values; artifacts belong in files).
    public static let maximumSize = 1 << 20

    /// Parses the file at `path`; a missing file means no values.
    public static func parse(fileAt path: String, label: String) throws(Failure) -> [(String, String)] {
        guard let data = contents(of: path, upTo: maximumSize + 1) else { return [] }
        guard data.count <= maximumSize else {
            throw Failure(file: label, line: 1, message: "larger than \(maximumSize / 1024) KiB")
        }
        return try parse(String(decoding: data, as: UTF8.self), label: label)
    }

    /// The directories a step added to `$GITHUB_PATH`, one per line, in the order written.
    public static func pathEntries(fileAt path: String) -> [String] {
        guard let data = contents(of: path, upTo: maximumSize) else { return [] }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.contains(":") }
    }

    /// What a step wrote to `$GITHUB_STEP_SUMMARY` (at most 64 KiB), or nil when nothing.
    public static func summary(fileAt path: String) -> String? {
        guard let data = contents(of: path, upTo: 64 * 1024) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// At most `limit` bytes of the file at `path`; nil when it cannot be opened (the step wrote none).
    /// (Plain `open(2)`: most steps write none of these files, and a missing file read through
    /// `FileHandle` costs a Foundation error each time, for every step of every job.)
    private static func contents(of path: String, upTo limit: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count < limit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit - data.count)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }

    /// Parses `text`.
    public static func parse(_ text: String, label: String) throws(Failure) -> [(String, String)] {
        var result: [(String, String)] = []
        // "\r\n" is one Character in Swift: normalise line ends before splitting.
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var index = 0
        while index < lines.count {
            var line = lines[index]
            if line.hasSuffix("\r") { line.removeLast() }
            index += 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if let marker = line.range(of: "<<"), !line[..<marker.lowerBound].contains("=") {
                let key = String(line[..<marker.lowerBound])
                let delimiter = String(line[marker.upperBound...])
                guard isValidKey(key) else {
                    throw Failure(file: label, line: index, message: "invalid name '\(key)'")
                }
                guard !delimiter.isEmpty else {
                    throw Failure(file: label, line: index, message: "heredoc for '\(key)' has no delimiter")
                }
                var body: [String] = []
                var closed = false
                while index < lines.count {
                    var next = lines[index]
                    if next.hasSuffix("\r") { next.removeLast() }
                    index += 1
                    if next == delimiter {
                        closed = true
                        break
                    }
                    body.append(next)
                }
                guard closed else {
                    throw Failure(
                        file: label, line: index, message: "heredoc for '\(key)' is never closed with '\(delimiter)'")
                }
                result.append((key, body.joined(separator: "\n")))
            } else if let equals = line.firstIndex(of: "=") {
                let key = String(line[..<equals])
                guard isValidKey(key) else { throw Failure(file: label, line: index, message: "invalid name '\(key)'") }
                result.append((key, String(line[line.index(after: equals)...])))
            } else {
                throw Failure(file: label, line: index, message: "expected 'name=value' or 'name<<DELIMITER'")
            }
        }
        return result
    }

    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}
