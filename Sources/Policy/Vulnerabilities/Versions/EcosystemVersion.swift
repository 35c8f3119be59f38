/// Compares versions the way an OSV ecosystem does.
public enum EcosystemVersion {
    /// The ordering for `ecosystem` (OSV names: `PyPI`, `npm`, `crates.io`, `Go`, `Debian`, …); nil when
    /// either version cannot be parsed in that scheme.
    public static func compare(_ a: String, _ b: String, ecosystem: String) -> Int? {
        func order<T: Comparable>(_ x: T?, _ y: T?) -> Int? {
            guard let x, let y else { return nil }
            return x < y ? -1 : (y < x ? 1 : 0)
        }
        switch ecosystem.split(separator: ":").first.map(String.init) ?? ecosystem {
        case "PyPI": return order(PEP440Version(a), PEP440Version(b))
        case "Debian", "Ubuntu": return order(DebianVersion(a), DebianVersion(b))
        case "npm", "crates.io", "Go", "Hex", "Pub", "NuGet", "SwiftURL", "RubyGems", "Packagist", "Maven":
            if let result = order(SemanticVersion(a), SemanticVersion(b)) { return result }
            return order(LooseVersion(a), LooseVersion(b))
        default: return order(LooseVersion(a), LooseVersion(b))
        }
    }
}

/// A fallback ordering for schemes Gantry does not model: dot/dash-separated parts, numeric parts
/// compared as numbers.
struct LooseVersion: Comparable {
    var parts: [String]
    init?(_ text: String) {
        let trimmed = text.hasPrefix("v") ? String(text.dropFirst()) : text
        parts = trimmed.split(whereSeparator: { ".-+_".contains($0) }).map(String.init)
        if parts.isEmpty { return nil }
    }

    static func < (lhs: LooseVersion, rhs: LooseVersion) -> Bool {
        for (a, b) in zip(lhs.parts, rhs.parts) where a != b {
            switch (Int(a), Int(b)) {
            case (let x?, let y?): return x < y
            case (.some, nil): return false
            case (nil, .some): return true
            case (nil, nil): return a < b
            }
        }
        return lhs.parts.count < rhs.parts.count
    }
}
