import Crypto
import Foundation
import GantryCore

/// Checking a webhook's proof of origin in constant time: an HMAC-SHA256 of the raw body
/// (`sha256=<hex>`, GitHub's `X-Hub-Signature-256` and Gantry's generic hook) or a shared token
/// (GitLab's `X-Gitlab-Token`).
enum WebhookSignature {
    /// Whether `header` is `sha256=` + the hex HMAC-SHA256 of `body` under `secret`.
    static func verifyHMAC(header: String?, body: Data, secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = hexBytes(header.dropFirst("sha256=".count)),
            mac.count == 32
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// `sha256=` + the hex HMAC-SHA256 of `body` (what a sender computes).
    static func sign(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.hexString
    }

    /// Whether `token` equals `secret`, comparing every byte whatever differs first. The lengths are
    /// compared through their SHA-256 so a length mismatch takes the same time too.
    static func verifyToken(_ token: String?, secret: String) -> Bool {
        guard let token else { return false }
        let given = SHA256.hash(data: Data(token.utf8))
        let expected = SHA256.hash(data: Data(secret.utf8))
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }

    private static func hexBytes(_ text: Substring) -> Data? {
        guard text.count % 2 == 0 else { return nil }
        var bytes = Data(capacity: text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
