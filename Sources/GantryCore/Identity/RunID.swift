public import Foundation

/// Identifies one run: `YYYYMMDD-HHMMSS-xxxxxx` (UTC time plus random hex), sortable by start time
/// and unique across concurrent `gantry run` processes in one directory.
public struct RunID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let value: String

    public init(value: String) { self.value = value }

    /// A fresh identifier for a run starting at `date`.
    public static func make(at date: Date = Date()) -> RunID {
        // `yyyyMMdd-HHmmss` from the UTC timestamp (a Calendar would load time zone data first).
        let stamp = String(
            Timestamp.iso8601(date).prefix(19).compactMap { $0 == "T" ? "-" : ($0.isNumber ? $0 : nil) })
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
