public import Foundation

/// What the secret scanner never reports: paths, secrets matching regexes, secrets containing
/// stopwords, and (by fingerprint) findings accepted in a baseline.
public struct SecretAllowlist: @unchecked Sendable {
    public var paths: [NSRegularExpression]
    public var regexes: [NSRegularExpression]
    public var stopwords: [String]

    public init(paths: [NSRegularExpression] = [], regexes: [NSRegularExpression] = [], stopwords: [String] = []) {
        self.paths = paths
        self.regexes = regexes
        self.stopwords = stopwords.map { $0.lowercased() }
    }

    /// Paths skipped by default: version-control and Gantry state, and media, fonts and archives.
    public static func defaults() throws -> SecretAllowlist {
        SecretAllowlist(paths: [
            try NSRegularExpression(pattern: #"(?:^|/)(?:\.git|\.gantry|\.build|node_modules/\.cache)/"#),
            try NSRegularExpression(
                pattern:
                    #"(?i)\.(?:png|jpe?g|gif|bmp|ico|webp|svg|pdf|woff2?|ttf|eot|otf|mp[34]|mov|zip|gz|tgz|bz2|xz|zst|7z|jar|class|so|dylib|dll|exe|o|a)$"#
            ),
        ])
    }

    func allowsPath(_ path: String) -> Bool {
        let range = NSRange(path.startIndex..., in: path)
        return paths.contains { $0.firstMatch(in: path, range: range) != nil }
    }

    func allowsSecret(_ secret: String) -> Bool {
        let range = NSRange(secret.startIndex..., in: secret)
        if regexes.contains(where: { $0.firstMatch(in: secret, range: range) != nil }) { return true }
        let lowered = secret.lowercased()
        return stopwords.contains { lowered.contains($0) }
    }

    /// Adds another list's entries.
    mutating func merge(_ other: SecretAllowlist) {
        paths += other.paths
        regexes += other.regexes
        stopwords += other.stopwords
    }
}
