import GantryCore
import Testing

/// The linear-time matcher used for patterns from untrusted files: RE2's common syntax, and no
/// backtracking blow-up.
@Suite struct LinearRegexTests {
    static func matches(_ pattern: String, _ text: String, flags: String = "") throws -> Bool {
        try LinearRegex(pattern, flags: flags).matches(text)
    }

    @Test(
        arguments: [
            ("^release/.*$", "release/1.2", true), ("^release/.*$", "hotfix/release/1", false),
            ("^v\\d+\\.\\d+\\.\\d+$", "v1.20.3", true), ("^v\\d+\\.\\d+\\.\\d+$", "v1.20", false),
            ("main|master", "master", true), ("^(main|master)$", "mainline", false),
            ("feature-[a-z0-9_]+", "x/feature-login_2", true), ("[^/]+/[^/]+", "a/b", true),
            ("[^/]+/[^/]+", "ab", false),
            ("^docs?/", "doc/x", true), ("^a{2,3}$", "aaa", true), ("^a{2,3}$", "aaaa", false), ("^a{2}$", "aa", true),
            ("^a{2,}$", "aaaaa", true), ("\\bfix\\b", "a fix here", true), ("\\bfix\\b", "prefix", false),
            ("^\\s*$", "  ", true), ("\\W", "abc", false), ("a.c", "a\nc", false), ("x\\/y", "x/y", true),
            ("^$", "", true), ("[a\\-z]", "-", true), ("[\\d.]+", "1.5", true), ("(?:ab)+c", "ababc", true),
            ("^[[:alpha:]]$", "", false),
        ] as [(String, String, Bool)])
    func matchesAsRE2Does(pattern: String, text: String, expected: Bool) throws {
        if pattern.contains("[:") {
            #expect(throws: LinearRegex.SyntaxError.self) { try LinearRegex(pattern) }
            return
        }
        #expect(try Self.matches(pattern, text) == expected, "\(pattern) on \(text)")
    }

    @Test func flagsChangeCaseLinesAndDots() throws {
        #expect(try Self.matches("^MAIN$", "main", flags: "i"))
        #expect(try !Self.matches("^MAIN$", "main"))
        #expect(try Self.matches("(?i)^Main$", "MAIN"))
        #expect(try Self.matches("^b$", "a\nb", flags: "m"))
        #expect(try !Self.matches("^b$", "a\nb"))
        #expect(try Self.matches("a.c", "a\nc", flags: "s"))
        #expect(try Self.matches("[A-C]x", "bx", flags: "i"))
        // A scoped flag ends with its group.
        #expect(try !Self.matches("(?i:a)B", "Ab"))
        #expect(try Self.matches("(?i:a)B", "AB"))
    }

    @Test func whatRE2RefusesIsRefusedWithTheReason() {
        for (pattern, reason) in [
            ("(a)\\1", "back-references"), ("(?=a)", "look-around"), ("a{5,2}", "reversed"), ("(ab", "missing ')'"),
            ("ab)", "unmatched ')'"), ("[ab", "missing ']'"), ("*a", "nothing to repeat"), ("a{2000}", "above 1000"),
            ("\\q", "unknown escape"),
        ] {
            do {
                _ = try LinearRegex(pattern)
                Issue.record("\(pattern) was accepted")
            } catch {
                #expect(error.message.contains(reason), "\(pattern): \(error.message)")
            }
        }
        #expect(throws: LinearRegex.SyntaxError.self) { try LinearRegex("a", flags: "x") }
    }

    @Test func nestedQuantifiersDoNotBlowUp() throws {
        // A backtracking engine takes 2^n steps here; the automaton takes n × program size. The answer
        // itself is the check: it comes back (no timing assertion, see bench/).
        let text = String(repeating: "a", count: 5_000) + "!"
        #expect(try !Self.matches("^(a+)+$", text))
        #expect(try !Self.matches("^(a|aa)*$", text))
        #expect(try Self.matches("(a*)*!", text))
    }

    @Test func programsAreBounded() {
        #expect(throws: LinearRegex.SyntaxError.self) { try LinearRegex("((a{1000}){1000})") }
        #expect(throws: LinearRegex.SyntaxError.self) {
            try LinearRegex(String(repeating: "(", count: 200) + "a" + String(repeating: ")", count: 200))
        }
    }
}
