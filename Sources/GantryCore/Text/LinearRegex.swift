/// A regular expression matched in time linear in the text, for patterns from untrusted files (a
/// GitLab `rules:if` such as `$CI_COMMIT_BRANCH =~ /^release\/.*$/`).
///
/// GitLab evaluates these with RE2, which never backtracks; a backtracking engine (ICU, Swift's
/// `Regex`) takes exponential time on `(a+)+$` against a branch name someone else chose. This one
/// compiles the pattern to an NFA and simulates it breadth-first (Thompson/Pike), so matching costs at
/// most the program size times the text length. It answers only whether the pattern occurs.
///
/// Syntax (RE2's common subset): literals and escapes (`\.`, `\/`, `\n`, `\t`), `.`, classes (`[a-z_]`,
/// `[^/]`, `\d \D \w \W \s \S`, also inside classes), anchors `^ $ \A \z`, word boundaries `\b \B`,
/// groups `( )` and `(?: )`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (a lazy `?` after them
/// changes nothing for a yes/no answer), and the flags `i` (case-insensitive), `m` (`^`/`$` at line
/// breaks) and `s` (`.` matches a line break), given to `init` or inline as `(?i)`. Back-references and
/// look-around are refused, as RE2 refuses them.
public struct LinearRegex: Sendable {
    /// A pattern that cannot be compiled.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The most instructions a pattern compiles to (counted repetitions multiply a pattern's size).
    public static let maximumProgramSize = 20_000

    private let program: [Instruction]

    /// Compiles `pattern` with the flags (`i`, `m`, `s`).
    public init(_ pattern: String, flags: String = "") throws(SyntaxError) {
        var parser = Parser(pattern: Array(pattern.unicodeScalars))
        for flag in flags {
            switch flag {
            case "i": parser.caseInsensitive = true
            case "m": parser.multiline = true
            case "s": parser.dotAll = true
            default: throw SyntaxError(message: "unknown regular expression flag '\(flag)' (expected i, m or s)")
            }
        }
        let node = try parser.parseAll()
        var compiler = Compiler()
        try compiler.emit(node)
        compiler.program.append(.match)
        program = compiler.program
    }

    /// Whether the pattern occurs anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var current = ThreadList(size: program.count)
        var next = ThreadList(size: program.count)
        for position in 0...scalars.count {
            // An unanchored search starts a thread at every position.
            if add(0, to: &current, at: position, in: scalars) { return true }
            guard position < scalars.count else { break }
            let scalar = scalars[position]
            next.clear()
            for pc in current.members {
                switch program[pc] {
                case .scalar(let set) where set.contains(scalar):
                    if add(pc + 1, to: &next, at: position + 1, in: scalars) { return true }
                default: break
                }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Follows the empty transitions from `pc` at `position`; true when a match is reached.
    private func add(_ start: Int, to list: inout ThreadList, at position: Int, in text: [Unicode.Scalar]) -> Bool {
        var stack = [start]
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let target): stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assert(let assertion):
                if assertion.holds(at: position, in: text) { stack.append(pc + 1) }
            case .scalar: break
            }
        }
        return false
    }
}

// MARK: - Program

extension LinearRegex {
    fileprivate enum Instruction: Sendable {
        case scalar(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    fileprivate enum Assertion: Sendable {
        case textStart, textEnd, lineStart, lineEnd, wordBoundary, notWordBoundary

        func holds(at position: Int, in text: [Unicode.Scalar]) -> Bool {
            switch self {
            case .textStart: return position == 0
            case .textEnd: return position == text.count
            case .lineStart: return position == 0 || text[position - 1] == "\n"
            case .lineEnd: return position == text.count || text[position] == "\n"
            case .wordBoundary, .notWordBoundary:
                let before = position > 0 && ScalarSet.isWord(text[position - 1])
                let after = position < text.count && ScalarSet.isWord(text[position])
                return (before != after) == (self == .wordBoundary)
            }
        }
    }

    /// A set of scalars: ranges, possibly negated.
    fileprivate struct ScalarSet: Sendable {
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar.value) } != negated
        }

        static func isWord(_ scalar: Unicode.Scalar) -> Bool {
            word.contains(scalar)
        }

        static let digit = ScalarSet(ranges: [48...57])
        static let word = ScalarSet(ranges: [48...57, 65...90, 95...95, 97...122])
        static let space = ScalarSet(ranges: [9...13, 32...32])

        static func single(_ scalar: Unicode.Scalar, caseInsensitive: Bool) -> ScalarSet {
            var set = ScalarSet(ranges: [scalar.value...scalar.value])
            if caseInsensitive { set.addOtherCases() }
            return set
        }

        /// Adds the other ASCII case of every letter in the set.
        mutating func addOtherCases() {
            var extra: [ClosedRange<UInt32>] = []
            for range in ranges {
                let lower = range.clamped(to: 97...122)
                if !lower.isEmpty, range.overlaps(97...122) {
                    extra.append((lower.lowerBound - 32)...(lower.upperBound - 32))
                }
                let upper = range.clamped(to: 65...90)
                if !upper.isEmpty, range.overlaps(65...90) {
                    extra.append((upper.lowerBound + 32)...(upper.upperBound + 32))
                }
            }
            ranges += extra
        }

        func inverted() -> ScalarSet { ScalarSet(ranges: ranges, negated: !negated) }
    }

    /// Program counters already in a step's list (a sparse set: O(1) insert and clear).
    private struct ThreadList {
        var dense: [Int]
        var sparse: [Int]
        var count = 0

        init(size: Int) {
            dense = Array(repeating: 0, count: size)
            sparse = Array(repeating: 0, count: size)
        }

        var members: ArraySlice<Int> { dense[0..<count] }

        mutating func insert(_ pc: Int) -> Bool {
            let index = sparse[pc]
            if index < count, dense[index] == pc { return false }
            sparse[pc] = count
            dense[count] = pc
            count += 1
            return true
        }

        mutating func clear() { count = 0 }
    }
}

// MARK: - Parsing

extension LinearRegex {
    fileprivate indirect enum Node {
        case set(ScalarSet)
        case assert(Assertion)
        case concatenation([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?)
        case empty
    }

    fileprivate struct Parser {
        let pattern: [Unicode.Scalar]
        var index = 0
        var caseInsensitive = false
        var multiline = false
        var dotAll = false
        var depth = 0

        init(pattern: [Unicode.Scalar]) { self.pattern = pattern }

        mutating func parseAll() throws(SyntaxError) -> Node {
            let node = try parseAlternation()
            if index < pattern.count { throw fail("unmatched ')'") }
            return node
        }

        func fail(_ message: String) -> SyntaxError {
            SyntaxError(message: "invalid regular expression: \(message) at character \(index + 1)")
        }

        var peek: Unicode.Scalar? { index < pattern.count ? pattern[index] : nil }

        mutating func parseAlternation() throws(SyntaxError) -> Node {
            var branches = [try parseConcatenation()]
            while peek == "|" {
                index += 1
                branches.append(try parseConcatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseConcatenation() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let scalar = peek, scalar != "|", scalar != ")" {
                var atom = try parseAtom()
                while let quantifier = try parseQuantifier() {
                    if case .assert = atom { throw fail("nothing to repeat") }
                    atom = .repetition(atom, min: quantifier.min, max: quantifier.max)
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concatenation(items))
        }

        mutating func parseQuantifier() throws(SyntaxError) -> (min: Int, max: Int?)? {
            guard let scalar = peek else { return nil }
            var result: (min: Int, max: Int?)
            switch scalar {
            case "*": result = (0, nil)
            case "+": result = (1, nil)
            case "?": result = (0, 1)
            case "{":
                guard let counted = countedRepetition() else { return nil }
                result = counted
                if let max = result.max, max < result.min {
                    throw fail("repetition {\(result.min),\(max)} is reversed")
                }
                if result.min > 1000 || (result.max ?? 0) > 1000 { throw fail("repetition count above 1000") }
                skipLazy()
                return result
            default: return nil
            }
            index += 1
            skipLazy()
            return result
        }

        mutating func skipLazy() { if peek == "?" { index += 1 } }

        /// `{n}`, `{n,}`, `{n,m}` at `index`, consumed; nil (nothing consumed) when `{` is a literal.
        mutating func countedRepetition() -> (min: Int, max: Int?)? {
            var cursor = index + 1
            func number() -> Int? {
                var digits = ""
                while cursor < pattern.count, ("0"..."9").contains(pattern[cursor]), digits.count < 6 {
                    digits.unicodeScalars.append(pattern[cursor])
                    cursor += 1
                }
                return Int(digits)
            }
            guard let low = number() else { return nil }
            var high: Int? = low
            if cursor < pattern.count, pattern[cursor] == "," {
                cursor += 1
                high = number()
            }
            guard cursor < pattern.count, pattern[cursor] == "}" else { return nil }
            index = cursor + 1
            return (low, high)
        }

        mutating func parseAtom() throws(SyntaxError) -> Node {
            let scalar = pattern[index]
            index += 1
            switch scalar {
            case "(": return try parseGroup()
            case ".":
                var set = ScalarSet(ranges: [10...10], negated: true)
                if dotAll { set = ScalarSet(ranges: [], negated: true) }
                return .set(set)
            case "^": return .assert(multiline ? .lineStart : .textStart)
            case "$": return .assert(multiline ? .lineEnd : .textEnd)
            case "[": return .set(try parseClass())
            case "\\": return try parseEscape(inClass: false)
            case "*", "+", "?": throw fail("nothing to repeat")
            default: return .set(.single(scalar, caseInsensitive: caseInsensitive))
            }
        }

        mutating func parseGroup() throws(SyntaxError) -> Node {
            depth += 1
            defer { depth -= 1 }
            if depth > 100 { throw fail("groups nested more than 100 deep") }
            // Flags set inside a group last until it closes.
            let saved = (caseInsensitive, multiline, dotAll)
            if peek == "?" {
                index += 1
                var flags = ""
                while let scalar = peek, scalar != ":", scalar != ")" {
                    guard "ims".unicodeScalars.contains(scalar) else {
                        throw fail(
                            "unsupported group '(?\(Character(scalar))' (look-around and named groups are not supported)"
                        )
                    }
                    flags.unicodeScalars.append(scalar)
                    index += 1
                }
                for flag in flags {
                    switch flag {
                    case "i": caseInsensitive = true
                    case "m": multiline = true
                    default: dotAll = true
                    }
                }
                guard let scalar = peek else { throw fail("missing ')'") }
                index += 1
                if scalar == ")" { return .empty }  // `(?i)`: flags for the rest
            }
            let inner = try parseAlternation()
            guard peek == ")" else { throw fail("missing ')'") }
            index += 1
            (caseInsensitive, multiline, dotAll) = saved
            return inner
        }

        mutating func parseClass() throws(SyntaxError) -> ScalarSet {
            var set = ScalarSet()
            if peek == "^" {
                set.negated = true
                index += 1
            }
            var first = true
            while true {
                guard let scalar = peek else { throw fail("missing ']'") }
                if scalar == "]" && !first {
                    index += 1
                    break
                }
                first = false
                index += 1
                var low: UInt32
                if scalar == "\\" {
                    guard case .set(let escaped) = try parseEscape(inClass: true) else { continue }
                    if escaped.negated || escaped.ranges.count != 1 || escaped.ranges[0].count != 1 {
                        // A class escape (`\d`) inside brackets: its members, or all but them.
                        if escaped.negated {
                            set.ranges += Self.complement(escaped.ranges)
                        } else {
                            set.ranges += escaped.ranges
                        }
                        continue
                    }
                    low = escaped.ranges[0].lowerBound
                } else if scalar == "[", peek == ":" {
                    throw fail("POSIX classes such as [:alpha:] are not supported; write the range")
                } else {
                    low = scalar.value
                }
                if peek == "-", index + 1 < pattern.count, pattern[index + 1] != "]" {
                    index += 1
                    var highScalar = pattern[index]
                    index += 1
                    if highScalar == "\\" {
                        guard case .set(let escaped) = try parseEscape(inClass: true), escaped.ranges.count == 1,
                            !escaped.negated, let value = Unicode.Scalar(escaped.ranges[0].lowerBound)
                        else { throw fail("a range must end with a single character") }
                        highScalar = value
                    }
                    guard highScalar.value >= low else { throw fail("range out of order in character class") }
                    set.ranges.append(low...highScalar.value)
                } else {
                    set.ranges.append(low...low)
                }
            }
            if caseInsensitive { set.addOtherCases() }
            return set
        }

        static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
            var result: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
                next = max(next, range.upperBound + 1)
            }
            if next <= 0x10FFFF { result.append(next...0x10FFFF) }
            return result
        }

        mutating func parseEscape(inClass: Bool) throws(SyntaxError) -> Node {
            guard let scalar = peek else { throw fail("trailing '\\'") }
            index += 1
            switch scalar {
            case "d": return .set(.digit)
            case "D": return .set(ScalarSet.digit.inverted())
            case "w": return .set(.word)
            case "W": return .set(ScalarSet.word.inverted())
            case "s": return .set(.space)
            case "S": return .set(ScalarSet.space.inverted())
            case "n": return .set(.single("\n", caseInsensitive: false))
            case "t": return .set(.single("\t", caseInsensitive: false))
            case "r": return .set(.single("\r", caseInsensitive: false))
            case "f": return .set(.single("\u{0C}", caseInsensitive: false))
            case "v": return .set(.single("\u{0B}", caseInsensitive: false))
            case "A" where !inClass: return .assert(.textStart)
            case "z" where !inClass: return .assert(.textEnd)
            case "b" where !inClass: return .assert(.wordBoundary)
            case "B" where !inClass: return .assert(.notWordBoundary)
            case "1"..."9": throw fail("back-references are not supported")
            default:
                if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                    throw fail("unknown escape '\\\(Character(scalar))'")
                }
                return .set(.single(scalar, caseInsensitive: caseInsensitive && !inClass))
            }
        }
    }

    // MARK: - Compiling

    fileprivate struct Compiler {
        var program: [Instruction] = []

        mutating func append(_ instruction: Instruction) throws(SyntaxError) {
            guard program.count < LinearRegex.maximumProgramSize else {
                throw SyntaxError(
                    message:
                        "invalid regular expression: it compiles to more than \(LinearRegex.maximumProgramSize) instructions (reduce counted repetitions)"
                )
            }
            program.append(instruction)
        }

        mutating func emit(_ node: Node) throws(SyntaxError) {
            switch node {
            case .empty: break
            case .set(let set): try append(.scalar(set))
            case .assert(let assertion): try append(.assert(assertion))
            case .concatenation(let items): for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (position, branch) in branches.enumerated() {
                    if position < branches.count - 1 {
                        let split = program.count
                        try append(.split(split + 1, 0))
                        try emit(branch)
                        jumps.append(program.count)
                        try append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let inner, let min, let max):
                for _ in 0..<min { try emit(inner) }
                if let max {
                    // Each optional copy may be skipped to the end.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        try append(.split(program.count + 1, 0))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    try append(.split(loop + 1, 0))
                    try emit(inner)
                    try append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
