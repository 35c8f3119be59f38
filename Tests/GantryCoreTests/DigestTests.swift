import Foundation
import GantryCore
import Testing

@Suite struct DigestTests {
    @Test func sha256OfKnownVector() {
        // FIPS 180-2 test vector for "abc".
        #expect(Digest.sha256("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256("abc").description.hasPrefix("sha256:"))
    }

    @Test func parsingRoundTripsAndRejectsBadForms() {
        let digest = Digest.sha256("x")
        #expect(Digest(parsing: digest.description) == digest)
        #expect(Digest(parsing: "sha256:ABC") == nil)
        #expect(Digest(parsing: digest.hex) == nil)
        #expect(Digest(parsing: "sha512:" + digest.hex) == nil)
        #expect(Digest(parsing: "sha256:" + digest.hex.uppercased()) == nil)
    }

    @Test func fileDigestMatchesDataDigest() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let data = Data((0..<3_000_000).map { UInt8($0 % 251) })
        try data.write(to: url)
        #expect(try Digest.sha256(fileAt: url) == Digest.sha256(data))
    }

    @Test func suggestionsFindTypos() {
        #expect(Suggestion.closest(to: "neds", in: ["needs", "name", "env"]) == "needs")
        #expect(Suggestion.closest(to: "timeuot", in: ["timeout", "retry"]) == "timeout")
        #expect(Suggestion.closest(to: "zzzzzz", in: ["needs", "env"]) == nil)
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1_795_000_000.5)) == "2026-11-18T11:06:40.500Z")
        #expect(Timestamp.parse("2026-11-18T11:06:40.500Z")?.timeIntervalSince1970 == 1_795_000_000.5)
    }
}
