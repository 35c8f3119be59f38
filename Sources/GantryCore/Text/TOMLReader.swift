/// A TOML value, as `TOMLReader` reads it (dates and times are kept as their text).
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case datetime(String)
    case array([TOMLValue])
    /// Keys in file order.
    case table([(String, TOMLValue)])

    public static func == (lhs: TOMLValue, rhs: TOMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)), (.datetime(let a), .datetime(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.float(let a), .float(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.table(let a), .table(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// The value under `key` of a table.
    public subscript(key: String) -> TOMLValue? {
        guard case .table(let pairs) = self else { return nil }
        return pairs.last { $0.0 == key }?.1
    }

    public var string: String? { if case .string(let text) = self { text } else { nil } }
    public var array: [TOMLValue]? { if case .array(let items) = self { items } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }
    public var integer: Int? { if case .integer(let value) = self { value } else { nil } }
    public var isTable: Bool { if case .table = self { true } else { false } }
}

/// Reads TOML 1.0 (gitleaks configs, pyproject files): comments, bare, quoted and dotted keys, tables
/// and arrays of tables, the four string forms, integers (with `_`, hex, octal, binary), floats,
/// booleans, dates (as text), arrays and inline tables. Every problem is reported with its line and
/// column; a key defined twice is a problem, as the specification says. Bounded: at most
/// `maximumBytes` of text and `maximumDepth` levels of nesting.
public struct TOMLReader {
    /// A problem, at a 1-based line and column.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public let message: String
        public var description: String { "\(line):\(column): \(message)" }
    }

    public static let maximumBytes = 1 << 20
    public static let maximumDepth = 64

    private let text: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// The document's root table.
    public static func parse(_ text: String) throws(Failure) -> TOMLValue {
        guard text.utf8.count <= maximumBytes else {
            throw Failure(line: 1, column: 1, message: "the file is larger than \(maximumBytes) bytes")
        }
        var reader = TOMLReader(text: Array(text.unicodeScalars))
        return try reader.document()
    }

    private init(text: [Unicode.Scalar]) { self.text = text }

    // MARK: Document

    /// The root is built as nested ordered tables; `path` names where `[table]` headers point.
    private mutating func document() throws(Failure) -> TOMLValue {
        var root = Table()
        var current: [PathStep] = []
        var defined: Set<String> = []
        while true {
            skipBlank()
            guard let scalar = peek else { break }
            if scalar == "[" {
                let start = position
                let isArray = peek(at: 1) == "["
                index += isArray ? 2 : 1
                skipSpaces()
                let keys = try key()
                skipSpaces()
                guard consume("]"), !isArray || consume("]") else {
                    throw fail("expected '\(isArray ? "]]" : "]")' to close the table header")
                }
                try endOfLine()
                let name = keys.joined(separator: ".")
                if isArray {
                    try root.appendTable(at: keys, failure: { fail($0, at: start) })
                    current = keys.map { PathStep(key: $0) }
                    current[current.count - 1].lastOfArray = true
                } else {
                    guard !defined.contains(name) else { throw fail("the table [\(name)] is defined twice", at: start) }
                    defined.insert(name)
                    try root.ensureTable(at: keys, failure: { fail($0, at: start) })
                    current = keys.map { PathStep(key: $0) }
                }
            } else {
                let start = position
                let keys = try key()
                skipSpaces()
                guard consume("=") else { throw fail("expected '=' after the key '\(keys.joined(separator: "."))'") }
                skipSpaces()
                let value = try value(depth: 0)
                try endOfLine()
                try root.set(value, at: current, keys: keys, failure: { fail($0, at: start) })
            }
        }
        return root.value
    }

    // MARK: Keys

    private mutating func key() throws(Failure) -> [String] {
        var keys = [try simpleKey()]
        skipSpaces()
        while peek == "." {
            index += 1
            skipSpaces()
            keys.append(try simpleKey())
            skipSpaces()
        }
        return keys
    }

    private mutating func simpleKey() throws(Failure) -> String {
        guard let scalar = peek else { throw fail("expected a key") }
        if scalar == "\"" { return try singleLineString("\"") }
        if scalar == "'" { return try singleLineString("'") }
        var key = ""
        while let scalar = peek,
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-"
        {
            key.unicodeScalars.append(scalar)
            index += 1
        }
        guard !key.isEmpty else { throw fail("expected a key, found '\(Character(scalar))'") }
        return key
    }

    // MARK: Values

    private mutating func value(depth: Int) throws(Failure) -> TOMLValue {
        guard depth < Self.maximumDepth else { throw fail("values are nested more than \(Self.maximumDepth) deep") }
        guard let scalar = peek else { throw fail("expected a value") }
        switch scalar {
        case "\"":
            if starts(with: "\"\"\"") { return .string(try multilineString("\"")) }
            return .string(try singleLineString("\""))
        case "'":
            if starts(with: "'''") { return .string(try multilineString("'")) }
            return .string(try singleLineString("'"))
        case "[": return try array(depth: depth)
        case "{": return try inlineTable(depth: depth)
        case "t" where starts(with: "true"):
            index += 4
            return .bool(true)
        case "f" where starts(with: "false"):
            index += 5
            return .bool(false)
        default: return try numberOrDate()
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> TOMLValue {
        index += 1
        var items: [TOMLValue] = []
        while true {
            skipBlank()
            guard let scalar = peek else { throw fail("the array is not closed with ']'") }
            if scalar == "]" {
                index += 1
                return .array(items)
            }
            items.append(try value(depth: depth + 1))
            skipBlank()
            if consume(",") { continue }
            guard peek != nil else { throw fail("the array is not closed with ']'") }
            skipBlank()
            guard consume("]") else { throw fail("expected ',' or ']' in the array") }
            return .array(items)
        }
    }

    private mutating func inlineTable(depth: Int) throws(Failure) -> TOMLValue {
        index += 1
        var table = Table()
        skipSpaces()
        if consume("}") { return table.value }
        while true {
            skipSpaces()
            let start = position
            let keys = try key()
            skipSpaces()
            guard consume("=") else { throw fail("expected '=' in the inline table") }
            skipSpaces()
            let value = try value(depth: depth + 1)
            try table.set(value, at: [], keys: keys, failure: { fail($0, at: start) })
            skipSpaces()
            if consume(",") { continue }
            guard consume("}") else { throw fail("expected ',' or '}' in the inline table") }
            return table.value
        }
    }

    private mutating func numberOrDate() throws(Failure) -> TOMLValue {
        let start = position
        var token = ""
        while let scalar = peek, !" \t\r\n,]}#".unicodeScalars.contains(scalar) {
            token.unicodeScalars.append(scalar)
            index += 1
        }
        // A date-time may hold one space between date and time.
        if token.count == 10, token.filter({ $0 == "-" }).count == 2, peek == " ", let next = peek(at: 1),
            ("0"..."9").contains(next)
        {
            token += " "
            index += 1
            while let scalar = peek, !" \t\r\n,]}#".unicodeScalars.contains(scalar) {
                token.unicodeScalars.append(scalar)
                index += 1
            }
        }
        guard !token.isEmpty else { throw fail("expected a value", at: start) }
        let plain = token.replacingOccurrences(of: "_", with: "")
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where plain.hasPrefix(prefix) {
            guard let value = Int(plain.dropFirst(2), radix: radix) else { break }
            return .integer(value)
        }
        if let value = Int(plain) { return .integer(value) }
        switch plain {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if plain.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let value = Double(plain) {
            return .float(value)
        }
        if token.first?.isNumber == true, token.contains("-") || token.contains(":") { return .datetime(token) }
        throw fail("'\(token)' is not a TOML value (strings need quotes)", at: start)
    }

    // MARK: Strings

    /// `"…"` (with escapes) or `'…'` (as written), on one line.
    private mutating func singleLineString(_ quote: Unicode.Scalar) throws(Failure) -> String {
        let start = position
        index += 1
        var out = ""
        while let scalar = peek {
            index += 1
            if scalar == quote { return out }
            if scalar == "\n" {
                throw fail(
                    "a \(Character(quote))…\(Character(quote)) string does not continue past the end of the line",
                    at: start)
            }
            if scalar == "\\", quote == "\"" {
                out.unicodeScalars.append(contentsOf: try escape())
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        throw fail("the string is not closed", at: start)
    }

    /// `"""…"""` (escapes, line-ending backslashes) or `'''…'''` (as written): a line break right after
    /// the opening delimiter is dropped; up to two quotes right before the closing one belong to the
    /// string.
    private mutating func multilineString(_ quote: Unicode.Scalar) throws(Failure) -> String {
        let start = position
        let delimiter = String(repeating: String(Character(quote)), count: 3)
        index += 3
        if peek == "\n" {
            newline()
        } else if peek == "\r", peek(at: 1) == "\n" {
            index += 1
            newline()
        }
        var out = ""
        while let scalar = peek {
            if starts(with: delimiter) {
                index += 3
                while peek == quote, !starts(with: delimiter + String(Character(quote))) {
                    out.unicodeScalars.append(quote)
                    index += 1
                }
                return out
            }
            if scalar == "\n" {
                newline()
                out.unicodeScalars.append("\n")
                continue
            }
            index += 1
            if scalar == "\\", quote == "\"" {
                // A line-ending backslash trims the break and the whitespace after it.
                var lookahead = index
                while lookahead < text.count, text[lookahead] == " " || text[lookahead] == "\t" { lookahead += 1 }
                if lookahead < text.count, text[lookahead] == "\n" || text[lookahead] == "\r" {
                    index = lookahead
                    while let next = peek, next == " " || next == "\t" || next == "\n" || next == "\r" {
                        if next == "\n" { newline() } else { index += 1 }
                    }
                } else {
                    out.unicodeScalars.append(contentsOf: try escape())
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        throw fail("the multi-line string is not closed", at: start)
    }

    private mutating func escape() throws(Failure) -> [Unicode.Scalar] {
        let start = (line, index - lineStart)  // the backslash
        guard let scalar = peek else { throw fail("the string ends in '\\'") }
        index += 1
        switch scalar {
        case "b": return ["\u{08}"]
        case "t": return ["\t"]
        case "n": return ["\n"]
        case "f": return ["\u{0C}"]
        case "r": return ["\r"]
        case "e": return ["\u{1B}"]
        case "\"": return ["\""]
        case "\\": return ["\\"]
        case "u", "U":
            let count = scalar == "u" ? 4 : 8
            guard index + count <= text.count,
                let code = UInt32(String(String.UnicodeScalarView(text[index..<(index + count)])), radix: 16),
                let decoded = Unicode.Scalar(code)
            else { throw fail("\\\(scalar) needs \(count) hexadecimal digits of a Unicode scalar") }
            index += count
            return [decoded]
        default:
            throw fail("unknown escape '\\\(Character(scalar))' (a regex needs '…' or '''…''' strings)", at: start)
        }
    }

    // MARK: Scanning

    private var peek: Unicode.Scalar? { index < text.count ? text[index] : nil }
    private func peek(at offset: Int) -> Unicode.Scalar? { index + offset < text.count ? text[index + offset] : nil }
    private var position: (Int, Int) { (line, index - lineStart + 1) }

    private func starts(with token: String) -> Bool {
        var offset = 0
        for scalar in token.unicodeScalars {
            guard index + offset < text.count, text[index + offset] == scalar else { return false }
            offset += 1
        }
        return true
    }

    private mutating func consume(_ token: String) -> Bool {
        guard starts(with: token) else { return false }
        index += token.unicodeScalars.count
        return true
    }

    private mutating func newline() {
        index += 1
        line += 1
        lineStart = index
    }

    private mutating func skipSpaces() {
        while let scalar = peek, scalar == " " || scalar == "\t" { index += 1 }
    }

    /// Spaces, comments and line breaks.
    private mutating func skipBlank() {
        while let scalar = peek {
            if scalar == " " || scalar == "\t" || scalar == "\r" {
                index += 1
            } else if scalar == "\n" {
                newline()
            } else if scalar == "#" {
                while let next = peek, next != "\n" { index += 1 }
            } else {
                break
            }
        }
    }

    private mutating func endOfLine() throws(Failure) {
        skipSpaces()
        if peek == "#" { while let next = peek, next != "\n" { index += 1 } }
        if peek == "\r" { index += 1 }
        guard peek == nil || peek == "\n" else {
            throw fail("expected the end of the line, found '\(Character(peek ?? " "))'")
        }
    }

    private func fail(_ message: String, at start: (Int, Int)? = nil) -> Failure {
        let (line, column) = start ?? position
        return Failure(line: line, column: column, message: message)
    }
}

/// Where a `[table]` header points: a key, and whether it is the last table of an array of tables.
private struct PathStep {
    let key: String
    var lastOfArray = false
}

/// An ordered table under construction.
private struct Table {
    var pairs: [(String, TOMLValue)] = []

    var value: TOMLValue { .table(pairs) }

    /// Sets `keys` (dotted, relative to `path`) to `value`.
    mutating func set(
        _ value: TOMLValue, at path: [PathStep], keys: [String], failure: (String) -> TOMLReader.Failure
    ) throws(TOMLReader.Failure) {
        var steps = path
        steps += keys.dropLast().map { PathStep(key: $0) }
        guard let last = keys.last else { return }
        try modify(&pairs, steps: steps[...], failure: failure) {
            (table: inout [(String, TOMLValue)]) throws(TOMLReader.Failure) in
            guard !table.contains(where: { $0.0 == last }) else {
                throw failure("the key '\(keys.joined(separator: "."))' is defined twice")
            }
            table.append((last, value))
        }
    }

    mutating func ensureTable(at keys: [String], failure: (String) -> TOMLReader.Failure) throws(TOMLReader.Failure) {
        try modify(&pairs, steps: keys.map { PathStep(key: $0) }[...], failure: failure) { _ in }
    }

    mutating func appendTable(at keys: [String], failure: (String) -> TOMLReader.Failure) throws(TOMLReader.Failure) {
        guard let last = keys.last else { return }
        try modify(&pairs, steps: keys.dropLast().map { PathStep(key: $0) }[...], failure: failure) {
            (table: inout [(String, TOMLValue)]) throws(TOMLReader.Failure) in
            if let position = table.firstIndex(where: { $0.0 == last }) {
                guard case .array(var items) = table[position].1, items.allSatisfy(\.isTable) else {
                    throw failure("'\(keys.joined(separator: "."))' is not an array of tables")
                }
                items.append(.table([]))
                table[position].1 = .array(items)
            } else {
                table.append((last, .array([.table([])])))
            }
        }
    }

    /// Walks (creating tables) to `steps` and applies `change` to the table there; in an array of
    /// tables the last one is entered.
    private func modify(
        _ table: inout [(String, TOMLValue)], steps: ArraySlice<PathStep>, failure: (String) -> TOMLReader.Failure,
        _ change: (inout [(String, TOMLValue)]) throws(TOMLReader.Failure) -> Void
    ) throws(TOMLReader.Failure) {
        guard let step = steps.first else {
            try change(&table)
            return
        }
        let position: Int
        if let found = table.firstIndex(where: { $0.0 == step.key }) {
            position = found
        } else {
            table.append((step.key, .table([])))
            position = table.count - 1
        }
        switch table[position].1 {
        case .table(var inner):
            try modify(&inner, steps: steps.dropFirst(), failure: failure, change)
            table[position].1 = .table(inner)
        case .array(var items):
            guard case .table(var inner)? = items.last else {
                throw failure("'\(step.key)' is a value, not a table")
            }
            try modify(&inner, steps: steps.dropFirst(), failure: failure, change)
            items[items.count - 1] = .table(inner)
            table[position].1 = .array(items)
        default:
            throw failure("'\(step.key)' is a value, not a table")
        }
    }
}
