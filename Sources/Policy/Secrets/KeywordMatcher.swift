/// Aho–Corasick over bytes, ASCII case-insensitive: finds which keywords occur in a buffer in one
/// pass. The secret scanner runs it over every byte and tries a rule's regex only on lines where one
/// of the rule's keywords occurs (gitleaks' prefilter, without one substring search per keyword).
public struct KeywordMatcher: Sendable {
    /// Dense transitions: `next[state * 256 + byte]`.
    var next: [Int32] = []
    /// For each state, the keyword indices that end there (including through failure links).
    private var outputs: [[Int]] = []
    /// 1 where `outputs` is not empty: the hot loop tests this byte, not an array.
    var terminalFlags: [UInt8] = []
    public let keywords: [String]

    public init(keywords: [String]) {
        self.keywords = keywords
        var trie: [[UInt8: Int]] = [[:]]
        var terminal: [[Int]] = [[]]
        for (index, keyword) in keywords.enumerated() {
            var state = 0
            for byte in keyword.utf8.map(Self.fold) {
                if let existing = trie[state][byte] {
                    state = existing
                } else {
                    trie.append([:])
                    terminal.append([])
                    trie[state][byte] = trie.count - 1
                    state = trie.count - 1
                }
            }
            terminal[state].append(index)
        }
        let count = trie.count
        var fail = [Int](repeating: 0, count: count)
        next = [Int32](repeating: 0, count: count * 256)
        outputs = terminal
        // Breadth-first: each state's transitions are its trie edges, else its failure state's.
        var queue: [Int] = []
        for byte in 0..<256 {
            if let child = trie[0][UInt8(byte)] {
                next[byte] = Int32(child)
                queue.append(child)
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            outputs[state] += outputs[fail[state]]
            for byte in 0..<256 {
                if let child = trie[state][UInt8(byte)] {
                    fail[child] = Int(next[fail[state] * 256 + byte])
                    next[state * 256 + byte] = Int32(child)
                    queue.append(child)
                } else {
                    next[state * 256 + byte] = next[fail[state] * 256 + byte]
                }
            }
        }
        // Case folding baked into the table: an uppercase byte moves like its lowercase twin.
        for state in 0..<count {
            for byte in 65...90 { next[state * 256 + byte] = next[state * 256 + byte + 32] }
        }
        terminalFlags = outputs.map { $0.isEmpty ? 0 : 1 }
        // The compact form the scanner's hot loop walks: bytes mapped to classes (each byte a keyword
        // uses, case-folded, gets its own; every other byte shares one), and transitions stored
        // premultiplied by the class count. A few KiB instead of 1 KiB per state: it stays in L1
        // cache, which is what bounds a byte-at-a-time automaton.
        var classes = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for keyword in keywords {
            for byte in keyword.utf8.map(Self.fold) where classes[Int(byte)] == 0 {
                classes[Int(byte)] = UInt8(classCount)
                classCount += 1
            }
        }
        for byte in 65...90 { classes[byte] = classes[byte + 32] }
        newlineClass = UInt8(classCount)
        classes[10] = newlineClass
        classCount += 1
        self.classes = classes
        self.classCount = classCount
        var representative = [Int](repeating: 0, count: classCount)
        for byte in (0..<256).reversed() { representative[Int(classes[byte])] = byte }
        representative[0] = 0
        for byte in 0..<256 where classes[byte] == 0 {
            representative[0] = byte
            break
        }
        compact = [Int32](repeating: 0, count: count * classCount)
        compactTerminal = [UInt8](repeating: 0, count: count * classCount)
        for state in 0..<count {
            for cls in 0..<classCount {
                let target = Int(next[state * 256 + representative[cls]])
                compact[state * classCount + cls] = Int32(target * classCount)
            }
            if terminalFlags[state] != 0 {
                for cls in 0..<classCount { compactTerminal[state * classCount + cls] = 1 }
            }
        }
    }

    /// Byte → class for the compact table.
    var classes: [UInt8] = []
    var classCount = 1
    /// The class of `\n`, which the scanner handles itself.
    public private(set) var newlineClass: UInt8 = 0
    /// `compact[premultipliedState + class]` = next premultiplied state.
    var compact: [Int32] = []
    /// Non-zero at premultiplied states where a keyword ends (indexed like `compact`).
    var compactTerminal: [UInt8] = []

    /// The state index of a premultiplied state.
    @inline(__always) func stateIndex(premultiplied: Int32) -> Int32 { premultiplied / Int32(classCount) }

    /// ASCII lowercase.
    @inline(__always) static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    /// The automaton's start state.
    public static let start: Int32 = 0

    /// One step; returns the new state.
    @inline(__always) public func step(_ state: Int32, _ byte: UInt8) -> Int32 {
        next[Int(state) &* 256 &+ Int(byte)]
    }

    /// Keyword indices ending at `state` (empty for most states).
    @inline(__always) public func matches(at state: Int32) -> [Int] { outputs[Int(state)] }

    /// Whether `state` ends a keyword.
    @inline(__always) public func isMatch(_ state: Int32) -> Bool { terminalFlags[Int(state)] != 0 }

    /// Runs the automaton over `bytes` from `state`, calling `hit(offset, state)` where a keyword ends;
    /// returns the final state. Tight loop over raw memory: this is the scanner's hot path.
    @inline(__always)
    public func scan(_ bytes: UnsafeRawBufferPointer, from state: Int32, hit: (Int, Int32) -> Void) -> Int32 {
        var state = state
        next.withUnsafeBufferPointer { table in
            terminalFlags.withUnsafeBufferPointer { flags in
                for offset in 0..<bytes.count {
                    state = table[Int(state) &* 256 &+ Int(bytes[offset])]
                    if flags[Int(state)] != 0 { hit(offset, state) }
                }
            }
        }
        return state
    }

    /// Keyword indices found anywhere in `text`.
    public func keywords(in text: some Sequence<UInt8>) -> Set<Int> {
        var state = Self.start
        var found = Set<Int>()
        for byte in text {
            state = step(state, byte)
            found.formUnion(outputs[Int(state)])
        }
        return found
    }
}
