import NIOHTTP1

/// The few header rules the proxy applies to every message, written for the hot path: ASCII
/// comparisons on UTF-8 bytes, no lowercased copies, no Foundation (its `trimmingCharacters` bridges
/// through `NSString` and was the proxy's most expensive line per request).
enum HTTPFields {
    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
    static let hopByHop: [StaticString] = [
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Upgrade",
    ]

    /// Removes the hop-by-hop headers and those the `Connection` header names. Most messages carry
    /// none, or only `Connection: keep-alive`: one pass finds them, then just those are removed.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        var found: UInt16 = 0
        var named: [Substring] = []
        for (name, value) in headers {
            guard let index = hopByHopIndex(name) else { continue }
            found |= 1 << index
            guard index == 0 else { continue }
            forEachToken(in: value) { token in
                if !equalsIgnoringCase(token, "keep-alive"), !equalsIgnoringCase(token, "close"),
                    !named.contains(where: { equalsIgnoringCase($0, to: token) })
                {
                    named.append(token)
                }
            }
        }
        guard found != 0 || !named.isEmpty else { return }
        for (index, name) in hopByHop.enumerated() where found & (1 << index) != 0 {
            headers.remove(name: name.description)
        }
        for name in named { headers.remove(name: String(name)) }
    }

    /// The position of `name` in `hopByHop`, ignoring case; nil for every other header (most are
    /// ruled out by their length alone).
    static func hopByHopIndex(_ name: String) -> Int? {
        switch name.utf8.count {
        case 2, 7, 10, 16, 18, 19:
            return hopByHop.firstIndex { equalsIgnoringCase(Substring(name), $0) }
        default:
            return nil
        }
    }

    /// Calls `body` with each comma-separated element of a header value, without its optional white
    /// space (spaces and tabs, RFC 9110 §5.6.1); empty elements are skipped.
    static func forEachToken(in value: String, _ body: (Substring) -> Void) {
        let utf8 = value.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let comma = utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
            var first = start
            var last = comma
            while first < last, isWhitespace(utf8[first]) { first = utf8.index(after: first) }
            while last > first, isWhitespace(utf8[utf8.index(before: last)]) { last = utf8.index(before: last) }
            if first < last { body(value[first..<last]) }
            start = comma < utf8.endIndex ? utf8.index(after: comma) : comma
        }
    }

    /// True when one of the value's comma-separated elements is `token`, ignoring case
    /// (`Connection: keep-alive, Upgrade`).
    static func containsToken(_ value: String, _ token: StaticString) -> Bool {
        var found = false
        forEachToken(in: value) { if !found, equalsIgnoringCase($0, token) { found = true } }
        return found
    }

    /// The value of the cookie `name` in the request's `Cookie` headers (`a=1; b=2`).
    static func cookie(named name: String, in headers: HTTPHeaders) -> Substring? {
        for header in headers[canonicalForm: "Cookie"] {
            for pair in header.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                if trimmed(pair[..<equals]) == name { return trimmed(pair[pair.index(after: equals)...]) }
            }
        }
        return nil
    }

    /// ASCII case-insensitive equality (header names and tokens are ASCII).
    static func equalsIgnoringCase(_ text: Substring, _ other: StaticString) -> Bool {
        let mine = text.utf8
        guard mine.count == other.utf8CodeUnitCount else { return false }
        return other.withUTF8Buffer { theirs in
            zip(mine, theirs).allSatisfy { a, b in a == b || (isLetter(a) && a | 0x20 == b | 0x20) }
        }
    }

    /// ASCII case-insensitive equality of two texts.
    static func equalsIgnoringCase(_ text: Substring, to other: Substring) -> Bool {
        let mine = text.utf8
        let theirs = other.utf8
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { a, b in a == b || (isLetter(a) && a | 0x20 == b | 0x20) }
    }

    /// True when `text` may stand in a header value as it is: no control character (CR and LF would
    /// end the header and start another), nothing outside printable ASCII.
    static func isSafeValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var first = text.startIndex
        var last = text.endIndex
        while first < last, text[first] == " " || text[first] == "\t" { first = text.index(after: first) }
        while last > first, text[text.index(before: last)] == " " || text[text.index(before: last)] == "\t" {
            last = text.index(before: last)
        }
        return text[first..<last]
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
}
