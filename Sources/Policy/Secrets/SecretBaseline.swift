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
    /// From a `.gitleaksignore`: `file:line` → the gitleaks rule ids ignored there.
    public var ignoredLocations: [String: Set<String>] = [:]

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

    /// Reads a `.gitleaksignore`: one fingerprint per line, `file:rule-id:line` or
    /// `commit:file:rule-id:line` (what gitleaks prints); `#` starts a comment.
    public static func loadGitleaksIgnore(path: String) throws -> SecretBaseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretScanError.input("\(path): cannot be read")
        }
        var baseline = SecretBaseline()
        for (index, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3, let number = Int(parts[parts.count - 1]) else {
                throw SecretScanError.input(
                    "\(path):\(index + 1):1: expected a gitleaks fingerprint (file:rule-id:line or commit:file:rule-id:line)"
                )
            }
            // A file name may hold ':'; a leading 40-hex commit is not part of it.
            var fileParts = parts[..<(parts.count - 2)]
            if fileParts.count > 1, let first = fileParts.first, first.count == 40,
                first.allSatisfy({ $0.isHexDigit })
            {
                fileParts = fileParts.dropFirst()
            }
            baseline.ignoredLocations["\(fileParts.joined(separator: ":")):\(number)", default: []].insert(
                parts[parts.count - 2])
        }
        return baseline
    }

    /// This baseline's acceptances and `other`'s.
    public func merging(_ other: SecretBaseline) -> SecretBaseline {
        var merged = self
        merged.fingerprints.formUnion(other.fingerprints)
        merged.acceptedHashes.merge(other.acceptedHashes) { $0.union($1) }
        merged.ignoredLocations.merge(other.ignoredLocations) { $0.union($1) }
        return merged
    }

    /// Whether a `.gitleaksignore` names this finding: its file and line, with a gitleaks rule id
    /// that is this rule's (or one Gantry does not know by that name).
    func ignores(file: String?, line: Int, rule: String) -> Bool {
        guard let file, let rules = ignoredLocations["\(file):\(line)"] else { return false }
        return rules.contains { GitleaksRuleNames.gantryRules(for: $0).map { $0.contains(rule) } ?? true }
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
