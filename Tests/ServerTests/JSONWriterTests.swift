import Foundation
import Testing

@testable import Server

@Suite struct JSONWriterTests {
    private struct Item: JSONWritable {
        var name: String
        var tags: [String]
        var count: Int64?
        var when: Date

        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("count", count)
                out.field("name", name)
                out.field("tags", tags)
                out.field("when", when)
            }
        }
    }

    @Test func nestedObjectsArraysAndOmittedNilsParseBack() throws {
        let items = [
            Item(name: "a", tags: [], count: nil, when: Date(timeIntervalSince1970: 0)),
            Item(name: "b", tags: ["x", "y"], count: -7, when: Date(timeIntervalSince1970: 1_800_000_000.5)),
        ]
        var out = JSONWriter()
        ["items": items].writeJSON(to: &out)
        let text = String(decoding: out.bytes, as: UTF8.self)
        #expect(
            text
                == #"{"items":[{"name":"a","tags":[],"when":"1970-01-01T00:00:00.000Z"},{"count":-7,"name":"b","tags":["x","y"],"when":"2027-01-15T08:00:00.500Z"}]}"#
        )
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(out.bytes)) as? [String: Any])
        #expect((parsed["items"] as? [[String: Any]])?.count == 2)
    }

    /// Any string — quotes, backslashes, control characters, non-ASCII — comes back unchanged.
    @Test func everyStringRoundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = [
            "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "😀", "a", " ", "/",
        ]
        for _ in 0..<500 {
            let text = String(
                (0..<Int.random(in: 0..<24, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator) ?? "a"
                })
            var out = JSONWriter()
            ["k": text].writeJSON(to: &out)
            let parsed = try JSONSerialization.jsonObject(with: Data(out.bytes)) as? [String: String]
            #expect(parsed?["k"] == text, "\(text.debugDescription)")
        }
    }
}
