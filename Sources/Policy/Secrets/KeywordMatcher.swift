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
    }

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
