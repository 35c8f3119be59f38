import Foundation

/// Canonical JSON for content-addressed and signed documents: sorted keys, no escaped slashes, no
/// whitespace. The same value always encodes to the same bytes, so digests and signatures are stable.
public enum CanonicalJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
