import Foundation

/// Replaces secret values with `***` in bytes and strings.
///
/// Each secret is registered with its encoded forms (base64, base64url, URL-encoded, JSON-escaped) and,
/// for multi-line values, each line on its own. Matching is Wu–Manber style: with `m` the length of the
/// shortest pattern, the two bytes that end an `m`-byte window decide how far the window may move
/// without skipping a possible match, so text without secrets is crossed up to `m - 1` bytes at a time;
/// candidate positions are checked against the patterns that share their first two bytes.
public struct SecretMasker: Sendable {
    /// The replacement text.
    public static let mask: [UInt8] = Array("***".utf8)
    /// The shortest value accepted as a secret: shorter ones would mask ordinary text.
    public static let minimumLength = 4

    /// Byte patterns grouped by their first two bytes, longest first within each bucket.
    private var buckets: [[[UInt8]]] = []
    /// First two bytes (as a 16-bit number) → index in `buckets`, or -1. A flat table: this lookup
    /// runs once per output byte, so it must not hash.
    private var bucketIndex: [Int32] = []
    /// Length of the longest pattern: how much a streaming caller must hold back.
    public private(set) var longestPattern = 0
    /// Length of the shortest pattern (the scanning window).
    private var shortestPattern = Int.max
    /// Two bytes ending the window → how far the window may move. Zero means "check here".
    private var shift: [UInt8] = []

    public init(secrets: [String] = []) {
        for secret in secrets { add(secret) }
    }

    /// Whether any secret is registered.
    public var isEmpty: Bool { buckets.isEmpty }

    /// Registers a secret value and its encodings.
    public mutating func add(_ secret: String) {
        if bucketIndex.isEmpty { bucketIndex = [Int32](repeating: -1, count: 65536) }
        for variant in Self.variants(of: secret) where variant.utf8.count >= Self.minimumLength {
            let bytes = Array(variant.utf8)
            let key = Int(bytes[0]) << 8 | Int(bytes[1])
            if bucketIndex[key] < 0 {
                bucketIndex[key] = Int32(buckets.count)
                buckets.append([])
            }
            let index = Int(bucketIndex[key])
            guard !buckets[index].contains(bytes) else { continue }
            buckets[index].append(bytes)
            buckets[index].sort { $0.count > $1.count }
            longestPattern = max(longestPattern, bytes.count)
        }
        rebuildShiftTable()
    }

    /// Wu–Manber shift table for blocks of two bytes over the first `m` bytes of every pattern.
    private mutating func rebuildShiftTable() {
        let patterns = buckets.joined()
        guard let shortest = patterns.map(\.count).min() else { return }
        shortestPattern = shortest
        let window = min(shortest, 255)
        shift = [UInt8](repeating: UInt8(window - 1), count: 65536)
        for pattern in patterns {
            for position in 0..<(window - 1) {
                let block = Int(pattern[position]) << 8 | Int(pattern[position + 1])
                shift[block] = min(shift[block], UInt8(window - 2 - position))
            }
        }
    }

    /// The first match at or after `start`: its position and length.
    @inline(__always)
    private func nextMatch(
        in input: UnsafeRawBufferPointer, from start: Int, shift: UnsafeBufferPointer<UInt8>,
        table: UnsafeBufferPointer<Int32>
    ) -> (Int, Int)? {
        let window = min(shortestPattern, 255)
        var index = start
        let count = input.count
        while index + window <= count {
            let end = index + window - 2
            let skip = Int(shift[Int(input[end]) << 8 | Int(input[end + 1])])
            if skip > 0 {
                index += skip
                continue
            }
            let slot = table[Int(input[index]) << 8 | Int(input[index + 1])]
            if slot >= 0, let length = Self.firstMatch(buckets[Int(slot)], input, at: index) {
                return (index, length)
            }
            index += 1
        }
        return nil
    }

    /// The forms a secret may take in output: as is, base64 (with and without padding), base64url,
    /// percent-encoded, JSON-escaped, and each line of a multi-line value.
    static func variants(of secret: String) -> [String] {
        var result: Set<String> = [secret]
        let data = Data(secret.utf8)
        let base64 = data.base64EncodedString()
        result.insert(base64)
        result.insert(String(base64.reversed().drop { $0 == "=" }.reversed()))
        let url = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        result.insert(String(url.reversed().drop { $0 == "=" }.reversed()))
        // Percent-encoders differ in what they leave alone: RFC 3986 unreserved (Go's QueryEscape,
        // curl), JavaScript's encodeURIComponent, Python's quote() (keeps '/'), JavaScript's encodeURI
        // (keeps the reserved set), form encoding (space as '+'), and encoders that escape every
        // symbol; some write lower-case hex.
        let asciiAlphanumerics = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let unreserved = asciiAlphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let component = unreserved.union(CharacterSet(charactersIn: "!*'()"))
        let python = unreserved.union(CharacterSet(charactersIn: "/"))
        let uri = component.union(CharacterSet(charactersIn: ";,/?:@&=+$#"))
        for allowed in [unreserved, component, python, uri, asciiAlphanumerics] {
            guard let percent = secret.addingPercentEncoding(withAllowedCharacters: allowed) else { continue }
            for form in [percent, percent.replacingOccurrences(of: "%20", with: "+")] {
                result.insert(form)
                result.insert(Self.lowercasingPercentHex(form))
            }
        }
        let json = String(JSONText.quote(secret).dropFirst().dropLast())
        result.insert(json)
        for line in secret.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.count >= minimumLength { result.insert(trimmed) }
        }
        return Array(result)
    }

    /// `%2F` → `%2f`: the same encoding with lower-case hex digits.
    static func lowercasingPercentHex(_ text: String) -> String {
        var out = ""
        var remaining = 0
        for character in text {
            if character == "%" {
                remaining = 2
                out.append(character)
            } else if remaining > 0 {
                remaining -= 1
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Masks every secret occurrence in `text`.
    public func mask(_ text: String) -> String {
        guard !isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        let matched = bytes.withUnsafeBufferPointer { apply(to: UnsafeRawBufferPointer($0), into: &out) }
        return matched ? String(decoding: out, as: UTF8.self) : text
    }

    /// Masks `input` into `out` (appending). Returns whether anything was masked; when nothing was,
    /// `out` receives the input unchanged.
    @discardableResult
    public func apply(to input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard !isEmpty, input.count >= 2 else {
            out.append(contentsOf: input)
            return false
        }
        var masked = false
        var copyFrom = 0
        shift.withUnsafeBufferPointer { shift in
            bucketIndex.withUnsafeBufferPointer { table in
                while let (start, length) = nextMatch(in: input, from: copyFrom, shift: shift, table: table) {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[copyFrom..<start]))
                    out.append(contentsOf: Self.mask)
                    copyFrom = start + length
                    masked = true
                }
            }
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[copyFrom..<input.count]))
        return masked
    }

    /// Ranges of matches in `input` (used by the streaming splitter to avoid cutting a secret in two).
    func matchRanges(in input: UnsafeRawBufferPointer) -> [Range<Int>] {
        guard !isEmpty else { return [] }
        var ranges: [Range<Int>] = []
        var index = 0
        shift.withUnsafeBufferPointer { shift in
            bucketIndex.withUnsafeBufferPointer { table in
                while let (start, length) = nextMatch(in: input, from: index, shift: shift, table: table) {
                    ranges.append(start..<(start + length))
                    index = start + length
                }
            }
        }
        return ranges
    }

    private static func firstMatch(_ bucket: [[UInt8]], _ input: UnsafeRawBufferPointer, at index: Int) -> Int? {
        for pattern in bucket where index + pattern.count <= input.count {
            var equal = true
            var offset = 2
            while offset < pattern.count {
                if input[index + offset] != pattern[offset] {
                    equal = false
                    break
                }
                offset += 1
            }
            if equal { return pattern.count }
        }
        return nil
    }
}
