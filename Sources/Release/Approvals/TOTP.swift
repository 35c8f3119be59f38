import Crypto
public import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 30-second steps, 6 digits.
public struct TOTP: Sendable {
    /// The shared secret.
    public let secret: [UInt8]
    public let digits: Int
    /// Seconds per time step.
    public let period: Int64

    public init(secret: [UInt8], digits: Int = 6, period: Int64 = 30) {
        self.secret = secret
        self.digits = digits
        self.period = period
    }

    /// A new random 160-bit secret (the size RFC 4226 recommends).
    public static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The time step containing `date`.
    public func step(at date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down)) / period
    }

    /// The code for time step `step` (RFC 4226 dynamic truncation), zero-padded to `digits`.
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The code valid at `date`.
    public func code(at date: Date) -> String { code(step: step(at: date)) }

    /// The time step whose code is `code`, looking `window` steps either side of `date` (clock drift);
    /// nil when none matches. Comparison takes the same time whichever digit differs.
    public func matchingStep(of code: String, at date: Date, window: Int64 = 1) -> Int64? {
        let candidate = Array(code.utf8)
        guard candidate.count == digits, candidate.allSatisfy({ (48...57).contains($0) }) else { return nil }
        let now = step(at: date)
        var found: Int64?
        for step in (now - window)...(now + window) {
            let expected = Array(self.code(step: step).utf8)
            var difference: UInt8 = 0
            for index in 0..<digits { difference |= expected[index] ^ candidate[index] }
            if difference == 0 && found == nil { found = step }
        }
        return found
    }

    /// The `otpauth://` URI an authenticator app enrols from.
    public func provisioningURI(account: String, issuer: String = "Gantry") -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer
        return
            "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuerParameter)&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }
}
