import Foundation
import GantryCore

/// Accepted findings, by fingerprint: `{"fingerprints": ["…", …]}`. Findings in the baseline are
/// reported as suppressed and do not fail the scan; new ones do.
public struct SecretBaseline: Sendable {
    public var fingerprints: Set<String>

    public init(fingerprints: Set<String> = []) { self.fingerprints = fingerprints }

    public static func load(path: String) throws -> SecretBaseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretScanError.input("\(path): cannot be read (write one with --write-baseline)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let list = object["fingerprints"] as? [String]
        else { throw SecretScanError.input("\(path): expected {\"fingerprints\": [\"…\"]}") }
        return SecretBaseline(fingerprints: Set(list))
    }

    /// Writes the fingerprints of `findings` (sorted, so the file diffs well).
    public static func write(_ findings: [Finding], to path: String) throws {
        let object: [String: Any] = ["fingerprints": Set(findings.map(\.fingerprint)).sorted()]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SecretScanError.input("\(path): cannot be written: \(FileErrorText.describe(error))")
        }
    }
}
