import Foundation
import Testing

@testable import GantryCore

/// RFC 8785 (JSON Canonicalization Scheme), checked against the RFC's own examples.
@Suite struct CanonicalJSONTests {
    private func canonical(_ text: String) throws -> String {
        String(decoding: try CanonicalJSON.canonicalize(Data(text.utf8)), as: UTF8.self)
    }

    @Test func theRFCExampleCanonicalizesByteForByte() throws {
        // RFC 8785 §3.2.4.
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        #expect(
            try canonical(input)
                == #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        )
    }

    @Test func membersAreSortedByUTF16CodeUnits() throws {
        // RFC 8785 §3.2.3: the emoji (a surrogate pair, D83D…) sorts before U+FB33.
        let input = #"""
            {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
             "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
             "\u00f6": "Latin Small Letter O With Diaeresis"}
            """#
        let value = try JSONValue.parse(try CanonicalJSON.canonicalize(Data(input.utf8)))
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(
            members.map(\.1) == [
                .string("Carriage Return"), .string("One"), .string("Control"),
                .string("Latin Small Letter O With Diaeresis"), .string("Euro Sign"), .string("Emoji: Grinning Face"),
                .string("Hebrew Letter Dalet With Dagesh"),
            ])
    }

    @Test(arguments: [
        (0x0000_0000_0000_0000 as UInt64, "0"), (0x8000_0000_0000_0000, "0"), (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"), (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"), (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"), (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"), (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"), (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"), (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"), (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"), (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0xC1B3_DE43_5555_5556, "-333333333.3333334"),
    ])
    func numbersAreWrittenAsECMAScriptWritesThem(bits: UInt64, expected: String) throws {
        // RFC 8785 Appendix B: an IEEE 754 bit pattern and its text (each checked against node's
        // Number.prototype.toString).
        let double = Double(bitPattern: bits)
        let text = double == 0 ? (double.sign == .minus ? "-0" : "0") : "\(double)"
        #expect(try CanonicalJSON.number(text) == expected)
    }

    @Test func badInputIsRefusedWithAPosition() {
        for bad in ["{\"a\":1,\"a\":2}", "[1,]", "\"\\ud800\"", "01", "{\"a\" 1}", "[1] x", "\"a\u{01}\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try CanonicalJSON.canonicalize(Data(bad.utf8)) }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data(deep.utf8)) }
    }

    @Test func encodableValuesGoThroughTheSameWriter() throws {
        struct Document: Encodable {
            var zeta = "/path/with/slashes"
            var alpha = ["b": 2, "a": 1]
            var size: Int64 = 1_234_567_890_123
            var ratio = 0.5
        }
        #expect(
            String(decoding: try CanonicalJSON.encode(Document()), as: UTF8.self)
                == #"{"alpha":{"a":1,"b":2},"ratio":0.5,"size":1234567890123,"zeta":"/path/with/slashes"}"#)
    }
}
