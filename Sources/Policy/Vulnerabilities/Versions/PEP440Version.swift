/// A Python version under PEP 440: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the usual
/// normalisations (`alpha`→`a`, `beta`→`b`, `c`/`pre`/`preview`→`rc`, `rev`/`r`→`post`, implicit
/// numbers, `-`/`_`/`.` separators, a leading `v`). Ordering: epoch, release (trailing zeros
/// ignored), then dev-only < pre < (release) < post; `.devN` sorts before what it is attached to;
/// a local version sorts after the same public version.
public struct PEP440Version: Sendable, Hashable, Comparable, CustomStringConvertible {
    var epoch: Int
    var release: [Int]
    var pre: (kind: Int, number: Int)?
    var post: Int?
    var dev: Int?
    var local: [String]
    public let description: String

    public init?(_ text: String) {
        var s = text.trimmingCharacters(in: .whitespaces).lowercased()
        description = text
        if s.hasPrefix("v") { s.removeFirst() }
        var localPart: [String] = []
        if let plus = s.firstIndex(of: "+") {
            localPart = s[s.index(after: plus)...].split(whereSeparator: { ".-_".contains($0) }).map(String.init)
            guard !localPart.isEmpty else { return nil }
            s = String(s[..<plus])
        }
        local = localPart
        epoch = 0
        if let bang = s.firstIndex(of: "!") {
            guard let value = Int(s[..<bang]) else { return nil }
            epoch = value
            s = String(s[s.index(after: bang)...])
        }
        // Release: digits and dots.
        var index = s.startIndex
        var numbers: [Int] = []
        var current = ""
        while index < s.endIndex,
            s[index].isNumber
                || (s[index] == "." && s.index(after: index) < s.endIndex && s[s.index(after: index)].isNumber)
        {
            if s[index] == "." {
                guard let value = Int(current) else { return nil }
                numbers.append(value)
                current = ""
            } else {
                current.append(s[index])
            }
            index = s.index(after: index)
        }
        guard let last = Int(current) else { return nil }
        numbers.append(last)
        release = numbers
        var rest = String(s[index...])
        pre = nil
        post = nil
        dev = nil
        func take(_ labels: [String]) -> (String, Int)? {
            var trimmed = Substring(rest)
            while let first = trimmed.first, ".-_".contains(first) { trimmed = trimmed.dropFirst() }
            for label in labels where trimmed.hasPrefix(label) {
                var after = trimmed.dropFirst(label.count)
                while let first = after.first, ".-_".contains(first) { after = after.dropFirst() }
                let digits = after.prefix { $0.isNumber }
                rest = String(after.dropFirst(digits.count))
                return (label, Int(digits) ?? 0)
            }
            return nil
        }
        if let (label, number) = take(["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"]) {
            let kind = label.hasPrefix("a") ? 0 : label.hasPrefix("b") ? 1 : 2
            pre = (kind, number)
        }
        if let (_, number) = take(["post", "rev", "r"]) {
            post = number
        } else if rest.hasPrefix("-"), let number = Int(rest.dropFirst().prefix { $0.isNumber }) {
            post = number  // 1.0-1 is a post-release
            rest = String(rest.dropFirst(1 + String(number).count))
        }
        if let (_, number) = take(["dev"]) { dev = number }
        guard rest.isEmpty else { return nil }
    }

    /// A comparison key that orders like PEP 440.
    private var key: [Int] {
        var trimmed = release
        while trimmed.count > 1, trimmed.last == 0 { trimmed.removeLast() }
        var key = [epoch] + trimmed + Array(repeating: 0, count: max(0, 20 - trimmed.count))
        // Pre-release slot: dev-only release < a < b < rc < final.
        if let pre {
            key += [pre.kind, pre.number]
        } else if post == nil, dev != nil {
            key += [-1, 0]
        } else {
            key += [3, 0]
        }
        key += [post.map { $0 + 1 } ?? 0]
        key += [dev ?? Int.max]
        return key
    }

    public static func < (lhs: PEP440Version, rhs: PEP440Version) -> Bool {
        let a = lhs.key
        let b = rhs.key
        if a != b { return a.lexicographicallyPrecedes(b) }
        // Local versions sort after the public version; segments compare numerically when both are numbers.
        for (x, y) in zip(lhs.local, rhs.local) where x != y {
            switch (Int(x), Int(y)) {
            case (let p?, let q?): return p < q
            case (.some, nil): return false
            case (nil, .some): return true
            case (nil, nil): return x < y
            }
        }
        return lhs.local.count < rhs.local.count
    }

    public static func == (lhs: PEP440Version, rhs: PEP440Version) -> Bool {
        lhs.key == rhs.key && lhs.local == rhs.local
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(local)
    }
}
