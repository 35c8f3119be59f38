import Foundation
import Release
import Testing

@Suite struct TOTPTests {
    /// RFC 6238 Appendix B, SHA-1 column (seed "12345678901234567890", 8 digits).
    @Test(arguments: [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func rfc6238Vectors(time: Int64, expected: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        #expect(totp.code(at: Date(timeIntervalSince1970: TimeInterval(time))) == expected)
        // The 6-digit code apps show is the same value modulo 10^6.
        let six = TOTP(secret: Array("12345678901234567890".utf8))
        #expect(six.code(at: Date(timeIntervalSince1970: TimeInterval(time))) == String(expected.suffix(6)))
    }

    @Test func oneStepOfDriftIsAcceptedTwoAreNot() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let now = Date(timeIntervalSince1970: 1_234_567_890)
        let step = totp.step(at: now)
        #expect(totp.matchingStep(of: totp.code(step: step), at: now) == step)
        #expect(totp.matchingStep(of: totp.code(step: step - 1), at: now) == step - 1)
        #expect(totp.matchingStep(of: totp.code(step: step + 1), at: now) == step + 1)
        #expect(totp.matchingStep(of: totp.code(step: step - 2), at: now) == nil)
        #expect(totp.matchingStep(of: totp.code(step: step + 2), at: now) == nil)
        #expect(totp.matchingStep(of: "12345", at: now) == nil)
        #expect(totp.matchingStep(of: "12345a", at: now) == nil)
        #expect(totp.matchingStep(of: "", at: now) == nil)
    }

    /// RFC 4648 section 10, without padding.
    @Test(arguments: [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ])
    func base32Vectors(plain: String, encoded: String) {
        #expect(Base32.encode(Array(plain.utf8)) == encoded)
        #expect(Base32.decode(encoded) == Array(plain.utf8))
        #expect(Base32.decode(encoded.lowercased() + "===") == Array(plain.utf8))
    }

    @Test func base32RefusesForeignCharacters() {
        #expect(Base32.decode("MZXW1") == nil)
        #expect(Base32.decode("MZ/W6") == nil)
    }

    @Test func provisioningURIRoundTripsTheSecret() throws {
        let totp = TOTP(secret: TOTP.newSecret())
        let uri = totp.provisioningURI(account: "bob@example")
        #expect(uri.hasPrefix("otpauth://totp/Gantry%3Abob%40example?secret="))
        #expect(uri.contains("&issuer=Gantry&algorithm=SHA1&digits=6&period=30"))
        let components = try #require(URLComponents(string: uri))
        let secret = try #require(components.queryItems?.first { $0.name == "secret" }?.value)
        #expect(Base32.decode(secret) == totp.secret)
        #expect(totp.secret.count == 20)
    }
}
