public import Foundation

/// Identifies one run: `YYYYMMDD-HHMMSS-xxxxxx` (UTC time plus random hex), sortable by start time
/// and unique across concurrent `gantry run` processes in one directory.
public struct RunID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let value: String

    public init(value: String) { self.value = value }

    /// A fresh identifier for a run starting at `date`.
    public static func make(at date: Date = Date()) -> RunID {
        // UTC fields with gmtime_r: a Calendar loads time zone data first, which cost more than the rest.
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var c = tm()
        _ = gmtime_r(&seconds, &c)
        let stamp = String(
            format: "%04d%02d%02d-%02d%02d%02d", Int(c.tm_year) + 1900, Int(c.tm_mon) + 1, Int(c.tm_mday),
            Int(c.tm_hour), Int(c.tm_min), Int(c.tm_sec))
        let random = (0..<6).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        return RunID(value: "\(stamp)-\(random)")
    }

    public var description: String { value }
    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.value < rhs.value }
}

/// A correlation id shared by every log line, artifact and promotion a run causes.
public enum CorrelationID {
    /// A new random correlation id (UUID, lowercase).
    public static func make() -> String { UUID().uuidString.lowercased() }
}
