import GantryCore
import Testing

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain text, tabs\tand unicode é ✓", "plain text, tabs\tand unicode é ✓"),
        ("\u{1B}]0;owned\u{07}title", "^[]0;owned^Gtitle"),
        ("ok\rFAKE", "ok^MFAKE"),
        ("\u{1B}[2J\u{1B}[1;1H", "^[[2J^[[1;1H"),
        ("del\u{7F}", "del^?"),
        ("c1 \u{9B}31m", "c1 <9b>31m"),
        ("line\nbreak", "line\nbreak"),
    ])
    func controlCharactersBecomeVisible(input: String, expected: String) {
        #expect(TerminalText.neutralize(input) == expected)
    }

    @Test func theByteFormMatchesTheStringForm() {
        let input = "a\u{1B}[31mb\u{9B}c\r"
        var out: [UInt8] = []
        Array(input.utf8).withUnsafeBytes { TerminalText.append($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == TerminalText.neutralize(input))
    }
}
