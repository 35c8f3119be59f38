import Foundation
import Testing

@testable import Engine

@Suite struct SecretMaskerTests {
    let secret = "s3cr3t-Value/with+chars"

    @Test func masksEveryEncodedForm() {
        let masker = SecretMasker(secrets: [secret])
        let base64 = Data(secret.utf8).base64EncodedString()
        let url = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let text = "raw=\(secret) b64=\(base64) url=\(url) end"
        let masked = masker.mask(text)
        #expect(masked == "raw=*** b64=*** url=*** end")
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

    @Test func secretSetRefusesShortValuesAndBadNames() throws {
        var set = SecretSet()
        #expect(throws: (any Error).self) { try set.add(flag: "TOKEN=abc") }
        #expect(throws: (any Error).self) { try set.add(flag: "1BAD=abcdef") }
        #expect(throws: (any Error).self) { try set.add(flag: "novalue") }
        try set.add(flag: "TOKEN=abcdef")
        try set.add(environment: ["GANTRY_SECRET_API_KEY": "k3y-value", "OTHER": "x"])
        #expect(set.values == ["TOKEN": "abcdef", "API_KEY": "k3y-value"])
    }

    @Test func shortSecretErrorDoesNotQuoteTheValue() {
        var set = SecretSet()
        do {
            try set.add(flag: "PIN=123")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("shorter than 4"))
            #expect(!"\(error)".contains("123"))
        }
    }
}
