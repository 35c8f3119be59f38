/// A Debian package version `[epoch:]upstream[-revision]`, ordered as dpkg does: epochs numerically,
/// then upstream and revision with dpkg's algorithm — non-digit runs compare character by character
/// where `~` sorts before everything (even the end), letters before non-letters; digit runs compare
/// numerically.
public struct DebianVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var epoch: Int
    public var upstream: String
    public var revision: String
    public let description: String

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        description = text
        var rest = Substring(trimmed)
        epoch = 0
        if let colon = rest.firstIndex(of: ":") {
            guard let value = Int(rest[..<colon]), value >= 0 else { return nil }
            epoch = value
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.lastIndex(of: "-") {
            upstream = String(rest[..<dash])
            revision = String(rest[rest.index(after: dash)...])
        } else {
            upstream = String(rest)
            revision = ""
        }
        guard let first = upstream.first, first.isNumber else { return nil }
    }

    /// dpkg's character order: `~` first, then the end of the string, digits, letters, other characters.
    static func order(_ character: Character?) -> Int {
        guard let character else { return 0 }
        if character == "~" { return -1 }
        if character.isNumber { return 0 }
        if character.isLetter { return Int(character.asciiValue ?? 0) }
        return Int(character.asciiValue ?? 0) + 256
    }

    static func compare(_ a: String, _ b: String) -> Int {
        var x = Array(a)[...]
        var y = Array(b)[...]
        while !x.isEmpty || !y.isEmpty {
            var difference = 0
            // Non-digit prefix.
            while (x.first.map { !$0.isNumber } ?? false) || (y.first.map { !$0.isNumber } ?? false) {
                let p = order(x.first.flatMap { $0.isNumber ? nil : $0 })
                let q = order(y.first.flatMap { $0.isNumber ? nil : $0 })
                if p != q { return p < q ? -1 : 1 }
                if let first = x.first, !first.isNumber { x = x.dropFirst() }
                if let first = y.first, !first.isNumber { y = y.dropFirst() }
            }
            // Digit run.
            while x.first == "0" { x = x.dropFirst() }
            while y.first == "0" { y = y.dropFirst() }
            while let p = x.first, p.isNumber, let q = y.first, q.isNumber {
                if difference == 0, p != q { difference = p < q ? -1 : 1 }
                x = x.dropFirst()
                y = y.dropFirst()
            }
            if let p = x.first, p.isNumber { return 1 }
            if let q = y.first, q.isNumber { return -1 }
            if difference != 0 { return difference }
        }
        return 0
    }

    public static func < (lhs: DebianVersion, rhs: DebianVersion) -> Bool {
        if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch }
        let upstream = compare(lhs.upstream, rhs.upstream)
        if upstream != 0 { return upstream < 0 }
        return compare(lhs.revision, rhs.revision) < 0
    }

    public static func == (lhs: DebianVersion, rhs: DebianVersion) -> Bool {
        lhs.epoch == rhs.epoch && compare(lhs.upstream, rhs.upstream) == 0 && compare(lhs.revision, rhs.revision) == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(epoch) }
}
