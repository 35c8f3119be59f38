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
            guard let index = hopByHopIndex(name.utf8) else { continue }
            found |= 1 << index
            guard index == 0 else { continue }
            forEachToken(in: value.utf8) { token in
                if !equalsIgnoringCase(token, "keep-alive"), !equalsIgnoringCase(token, "close"),
                    !named.contains(where: { equalsIgnoringCase($0.utf8, to: token) })
                {
                    named.append(Substring(token))
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
    static func hopByHopIndex(_ name: some Collection<UInt8>) -> Int? {
        switch name.count {
        case 2, 7, 10, 16, 18, 19:
            return hopByHop.firstIndex { equalsIgnoringCase(name, $0) }
        default:
            return nil
        }
    }

    /// Calls `body` with each comma-separated element of a header value's bytes, without its optional
    /// white space (spaces and tabs, RFC 9110 §5.6.1); empty elements are skipped.
    static func forEachToken<Bytes: BidirectionalCollection<UInt8>>(
        in value: Bytes, _ body: (Bytes.SubSequence) throws -> Void
    ) rethrows {
        var start = value.startIndex
        while start < value.endIndex {
            let comma = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.endIndex
            var first = start
            var last = comma
            while first < last, isWhitespace(value[first]) { first = value.index(after: first) }
            while last > first, isWhitespace(value[value.index(before: last)]) { last = value.index(before: last) }
            if first < last { try body(value[first..<last]) }
            start = comma < value.endIndex ? value.index(after: comma) : comma
        }
    }

    /// True when one of the value's comma-separated elements is `token`, ignoring case
    /// (`Connection: keep-alive, Upgrade`).
    static func containsToken(_ value: String, _ token: StaticString) -> Bool {
        var found = false
        forEachToken(in: value.utf8) { if !found, equalsIgnoringCase($0, token) { found = true } }
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

    /// ASCII case-insensitive equality of UTF-8 bytes with a name (header names and tokens are ASCII).
    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ other: StaticString) -> Bool {
        guard bytes.count == other.utf8CodeUnitCount else { return false }
        return other.withUTF8Buffer { equalsIgnoringCase(bytes, to: $0) }
    }

    /// ASCII case-insensitive equality of two runs of UTF-8 bytes.
    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, to other: some Collection<UInt8>) -> Bool {
        guard bytes.count == other.count else { return false }
        return zip(bytes, other).allSatisfy { a, b in a == b || (isLetter(a) && a | 0x20 == b | 0x20) }
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
