/// A path glob in the style users know from `.gitignore` and GitHub Actions path filters.
///
/// `*` matches within one path segment, `**` matches any number of segments (including none),
/// `?` one character, and `[abc]` / `[!abc]` one character from a set. A leading `!` is not handled
/// here: callers decide what negation means.
public struct Glob: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let segments: [String]

    public init(_ pattern: String) {
        var text = pattern
        while text.hasPrefix("./") { text.removeFirst(2) }
        self.pattern = pattern
        self.segments = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    public var description: String { pattern }

    /// Whether a relative path (segments separated by `/`) matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        var text = path
        while text.hasPrefix("./") { text.removeFirst(2) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return Glob.match(segments[...], parts[...])
    }

    /// Whether the pattern has no wildcard at all (it names exactly one path).
    public var isLiteral: Bool { !pattern.contains(where: { "*?[".contains($0) }) }

    /// The pattern's segments joined with `/`, without `./` or repeated slashes.
    public var normalizedPattern: String { segments.joined(separator: "/") }

    /// The literal directory prefix before the first wildcard, used to limit a file walk.
    public var literalPrefix: String {
        var prefix: [String] = []
        for segment in segments.dropLast() {
            if segment.contains(where: { "*?[".contains($0) }) { break }
            prefix.append(segment)
        }
        return prefix.joined(separator: "/")
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var candidate = path
            while true {
                if match(rest, candidate) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        }
        guard let segment = path.first,
            matchSegment(Array(first.unicodeScalars)[...], Array(segment.unicodeScalars)[...])
        else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private static func matchSegment(_ pattern: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>) -> Bool
    {
        var p = pattern.startIndex
        var t = text.startIndex
        var starP: Int? = nil
        var starT = 0
        while t < text.endIndex {
            if p < pattern.endIndex {
                let c = pattern[p]
                if c == "*" {
                    starP = p
                    starT = t
                    p += 1
                    continue
                }
                if c == "?" {
                    p += 1
                    t += 1
                    continue
                }
                if c == "[", let (matched, next) = matchClass(pattern, from: p, char: text[t]) {
                    if matched {
                        p = next
                        t += 1
                        continue
                    }
                } else if c == text[t] {
                    p += 1
                    t += 1
                    continue
                }
            }
            guard let star = starP else { return false }
            p = star + 1
            starT += 1
            t = starT
        }
        while p < pattern.endIndex && pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }

    /// Matches `[...]` at `start`; returns whether `char` is in the class and the index after `]`.
    private static func matchClass(
        _ pattern: ArraySlice<Unicode.Scalar>, from start: Int, char: Unicode.Scalar
    ) -> (Bool, Int)? {
        var index = start + 1
        var negate = false
        if index < pattern.endIndex && (pattern[index] == "!" || pattern[index] == "^") {
            negate = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.endIndex {
            let c = pattern[index]
            if c == "]" && !first { return (matched != negate, index + 1) }
            first = false
            if index + 2 < pattern.endIndex && pattern[index + 1] == "-" && pattern[index + 2] != "]" {
                if c.value <= char.value && char.value <= pattern[index + 2].value { matched = true }
                index += 3
            } else {
                if c == char { matched = true }
                index += 1
            }
        }
        return nil
    }
}
