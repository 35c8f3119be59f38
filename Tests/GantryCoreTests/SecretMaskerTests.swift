import Foundation
import Testing

@testable import GantryCore

@Suite struct SecretMaskerTests {
    let secret = "s3cr3t-Value/with+chars"  // gantry:allow-secret (a test fixture)

    @Test func masksEveryEncodedForm() {
        let masker = SecretMasker(secrets: [secret])
        let base64 = Data(secret.utf8).base64EncodedString()
        let url = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let text = "raw=\(secret) b64=\(base64) url=\(url) end"
        let masked = masker.mask(text)
        #expect(masked == "raw=*** b64=*** url=*** end")
    }

    /// Before: the encodings that keep '/' (Python's quote(), JavaScript's encodeURI) and lower-case hex
    /// leaked. These are the exact strings those encoders produce for the secret.
    @Test(arguments: [
        "s3cr3t-Value/with%2Bchars%20and%3Dmore",  // urllib.parse.quote (keeps '/')
        "s3cr3t-Value/with+chars%20and=more",  // encodeURI
        "s3cr3t-Value%2fwith%2bchars%20and%3dmore",  // lower-case hex
        "s3cr3t-Value%2Fwith%2Bchars+and%3Dmore",  // form encoding, space as '+'
        "s3cr3t-Value/with%2bchars+and%3dmore",  // quote_plus-like with lower-case hex, '/' kept
    ])
    func masksCommonPercentEncodings(encoded: String) {
        let masker = SecretMasker(secrets: ["s3cr3t-Value/with+chars and=more"])  // gantry:allow-secret
        #expect(masker.mask("token=\(encoded);") == "token=***;")
    }

    @Test func masksJSONEscapedAndMultiLineSecrets() {
        let pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END KEY-----"
        let quoted = "pa\"ss\\word"
        let masker = SecretMasker(secrets: [pem, quoted])
        #expect(masker.mask("line: MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX") == "line: ***")
        #expect(masker.mask("{\"p\":\"pa\\\"ss\\\\word\"}") == "{\"p\":\"***\"}")
    }

    @Test func prefersTheLongestOverlappingSecret() {
        let masker = SecretMasker(secrets: ["abcd", "abcdefgh"])
        #expect(masker.mask("xxabcdefghyy") == "xx***yy")
        #expect(masker.mask("xxabcdyy") == "xx***yy")
    }

    @Test func streamingSplitMasksSecretsCutAcrossChunks() {
        let masker = SecretMasker(secrets: [secret])
        let text = "prefix \(secret) middle \(secret)\nsecond line \(secret)\n"
        let bytes = Array(text.utf8)
        // Every cut point, so a secret is split between chunks in every possible place.
        for cut in 1..<bytes.count {
            var splitter = LineSplitter(masker: masker)
            var lines: [String] = []
            for chunk in [Array(bytes[..<cut]), Array(bytes[cut...])] {
                chunk.withUnsafeBytes { splitter.feed($0) { lines.append(String(decoding: $0, as: UTF8.self)) } }
            }
            splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
            #expect(lines == ["prefix *** middle ***", "second line ***"], "cut at \(cut)")
        }
    }

    @Test func overlongLinesAreSplitWithoutLeakingSecrets() {
        let masker = SecretMasker(secrets: [secret])
        var splitter = LineSplitter(masker: masker, maxLineLength: 64)
        var pieces: [String] = []
        let line = String(repeating: "x", count: 50) + secret + String(repeating: "y", count: 200) + "\n"
        for byte in Array(line.utf8) {
            [byte].withUnsafeBytes { splitter.feed($0) { pieces.append(String(decoding: $0, as: UTF8.self)) } }
        }
        let joined = pieces.joined()
        #expect(pieces.count > 1)
        #expect(!joined.contains(secret))
        #expect(!pieces.contains { $0.contains("s3cr3t") })
        #expect(joined == String(repeating: "x", count: 50) + "***" + String(repeating: "y", count: 200))
    }

    @Test func randomTextWithRandomSecretsNeverLeaks() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 -_\n")
        for _ in 0..<200 {
            let secrets = (0..<3).map { _ in
                String(
                    (0..<Int.random(in: 4...12, using: &generator)).map { _ in
                        alphabet.filter { $0 != "\n" && $0 != " " }.randomElement(using: &generator)!
                    })
            }
            let masker = SecretMasker(secrets: secrets)
            var text = ""
            for _ in 0..<20 {
                text += String((0..<Int.random(in: 0...8)).map { _ in alphabet.randomElement(using: &generator)! })
                text += secrets.randomElement(using: &generator)!
            }
            let masked = masker.mask(text)
            for secret in secrets { #expect(!masked.contains(secret), "\(secret) leaked in \(masked)") }
        }
    }

    /// Leftmost-longest masking, written the obvious way, to check the skipping matcher against.
    func naiveMask(_ text: [UInt8], patterns: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        let sorted = patterns.sorted { $0.count > $1.count }
        while index < text.count {
            if let match = sorted.first(where: {
                index + $0.count <= text.count && Array(text[index..<(index + $0.count)]) == $0
            }) {
                out += Array("***".utf8)
                index += match.count
            } else {
                out.append(text[index])
                index += 1
            }
        }
        return out
    }

    @Test func skippingMatcherAgreesWithNaiveMatching() {
        var generator = SystemRandomNumberGenerator()
        // A tiny alphabet makes partial matches and overlaps frequent.
        let alphabet = Array("abc".utf8)
        for _ in 0..<300 {
            let secrets = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                String(
                    decoding: (0..<Int.random(in: 4...9, using: &generator)).map { _ in
                        alphabet.randomElement(using: &generator)!
                    }, as: UTF8.self)
            }
            let masker = SecretMasker(secrets: secrets)
            let text = (0..<Int.random(in: 0...120, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            // Plain secrets of a/b/c have no other encoded forms that differ (base64 does), so compare on
            // every registered variant.
            let patterns = secrets.flatMap { SecretMasker.variants(of: $0) }.filter { $0.utf8.count >= 4 }.map {
                Array($0.utf8)
            }
            var out: [UInt8] = []
            text.withUnsafeBytes { _ = masker.apply(to: $0, into: &out) }
            #expect(
                out == naiveMask(text, patterns: patterns),
                "secrets \(secrets) text \(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test func secretSetRefusesShortValuesAndBadNames() throws {
        var set = SecretSet()
        #expect(throws: (any Error).self) { try set.add(flag: "TOKEN=abc", environment: [:]) }
        #expect(throws: (any Error).self) { try set.add(flag: "1BAD=abcdef", environment: [:]) }
        #expect(throws: (any Error).self) { try set.add(flag: "novalue", environment: [:]) }
        try set.add(flag: "TOKEN=abcdef", environment: [:])
        try set.add(environment: ["GANTRY_SECRET_API_KEY": "k3y-value", "OTHER": "x"])
        #expect(set.values == ["TOKEN": "abcdef", "API_KEY": "k3y-value"])
    }

    @Test func shortSecretErrorDoesNotQuoteTheValue() {
        var set = SecretSet()
        do {
            try set.add(flag: "PIN=123", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("shorter than 4"))
            #expect(!"\(error)".contains("123"))
        }
    }
}
