import Foundation
import GantryCore
import Testing

@Suite struct JSONTextTests {
    @Test(arguments: [
        "", "plain", "ünïcödé ✓", "quote\"inside", "back\\slash", "new\nline\r\t", "\u{0}\u{1}\u{1F}", "emoji 🚀",
    ])
    func quotedTextParsesBackToItself(text: String) throws {
        let quoted = JSONText.quote(text)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(parsed == [text])
    }

    @Test func escapesOnlyWhatJSONRequires() {
        #expect(JSONText.quote("a b/c") == "\"a b/c\"")
        #expect(JSONText.quote("a\"b") == "\"a\\\"b\"")
        #expect(JSONText.quote("\u{1}") == "\"\\u0001\"")
    }
}
