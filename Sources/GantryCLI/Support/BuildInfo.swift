import Engine

/// What the binary says about itself: its version, and the commit and build date `scripts/release`
/// stamps into it. A binary built with plain `swift build` carries no stamp: a development build.
enum BuildInfo {
    static let version = ToolVersions.gantry

    /// `scripts/release` overwrites the bytes between the marker and the closing `@@` in the built
    /// binary with ` commit=<sha> date=<ISO 8601>`, padded with spaces to the same length. Kept out of
    /// the optimiser's reach, so the text is read at run time, not folded at compile time.
    @inline(never) @_optimize(none)
    static func stamp() -> String {
        "@@GANTRY-BUILD-STAMP@@                                                                                                  @@"
    }

    /// The stamp's `key=value` fields.
    static var fields: [String: String] {
        // After the marker (`@@`, a name, `@@`), before the closing `@@`. The marker is not spelled out
        // again here: the release script requires it to appear once in the binary.
        let text = stamp().dropFirst(2).drop { $0 != "@" }.dropFirst(2).dropLast(2)
        var fields: [String: String] = [:]
        for word in text.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }

    static var commit: String? { fields["commit"] }
    static var buildDate: String? { fields["date"] }

    /// `gantry 0.1.0 (commit 1a2b3c4d5e6f, built 2026-11-30T01:00:00Z)`, or `(development build)`.
    static var versionLine: String {
        if let commit, let buildDate {
            return "gantry \(version) (commit \(commit.prefix(12)), built \(buildDate))"
        }
        return "gantry \(version) (development build)"
    }
}
