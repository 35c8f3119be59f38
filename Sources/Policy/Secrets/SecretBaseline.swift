import Crypto
import Foundation
import GantryCore

/// Accepted findings, by fingerprint: `{"fingerprints": ["…", …]}`. Findings in the baseline are
/// reported as suppressed and do not fail the scan; new ones do. A detect-secrets baseline
/// (`.secrets.baseline`: `results` by file, each with the SHA-1 of an accepted secret) is read too,
/// so that what a team accepted there stays accepted.
public struct SecretBaseline: Sendable {
    public var fingerprints: Set<String>
    /// From a detect-secrets baseline: file (relative, as it lists them) → SHA-1 (hex) of each
    /// accepted secret.
    public var acceptedHashes: [String: Set<String>] = [:]

    public init(fingerprints: Set<String> = [], acceptedHashes: [String: Set<String>] = [:]) {
        self.fingerprints = fingerprints
        self.acceptedHashes = acceptedHashes
    }

    public static func load(path: String) throws -> SecretBaseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretScanError.input("\(path): cannot be read (write one with --write-baseline)")
        }
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        if let list = object?["fingerprints"] as? [String] { return SecretBaseline(fingerprints: Set(list)) }
        if let results = object?["results"] as? [String: Any] {
            var accepted: [String: Set<String>] = [:]
            for (file, entries) in results {
                guard let entries = entries as? [[String: Any]] else {
                    throw SecretScanError.input("\(path): results.\(file) must be a list (a detect-secrets baseline)")
                }
                accepted[file] = Set(entries.compactMap { ($0["hashed_secret"] as? String)?.lowercased() })
            }
            return SecretBaseline(acceptedHashes: accepted)
        }
        throw SecretScanError.input(
            "\(path): expected Gantry's {\"fingerprints\": [\"…\"]} or a detect-secrets baseline ({\"results\": {…}})")
    }

    /// Whether `secret` in `file` is accepted by a detect-secrets baseline.
    func acceptsHash(of secret: String, in file: String?) -> Bool {
        guard let file, let hashes = acceptedHashes[file], !hashes.isEmpty else { return false }
        let digest = Insecure.SHA1.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
        return hashes.contains(digest)
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
