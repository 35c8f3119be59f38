import Foundation

/// A DSSE envelope (Dead Simple Signing Envelope v1): a payload, its type, and signatures over
/// `PAE(payloadType, payload)`.
public struct DSSEEnvelope: Codable, Sendable, Hashable {
    public struct Signature: Codable, Sendable, Hashable {
        public var keyid: String?
        public var sig: String
    }

    /// The media type of an envelope stored as a blob.
    public static let mediaType = "application/vnd.dsse.envelope.v1+json"
    /// The payload type of in-toto statements.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    public var payload: String
    public var payloadType: String
    public var signatures: [Signature]

    /// Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`.
    public static func pae(type: String, body: Data) -> Data {
        var data = Data("DSSEv1 \(type.utf8.count) \(type) \(body.count) ".utf8)
        data.append(body)
        return data
    }

    /// Signs `body` with `key`.
    public static func sign(_ body: Data, type: String, with key: SigningKey) throws -> DSSEEnvelope {
        let signature = try key.sign(pae(type: type, body: body))
        return DSSEEnvelope(
            payload: body.base64EncodedString(), payloadType: type,
            signatures: [Signature(keyid: key.publicKey.keyID, sig: signature.base64EncodedString())])
    }

    /// Returns the payload bytes when at least one signature verifies with one of `keys`.
    /// Accepts standard and URL-safe base64, as the specification requires. The caller must use the
    /// returned bytes, never re-read the payload from the envelope.
    public func verifiedPayload(keys: [VerificationKey]) throws -> Data {
        guard let body = Self.decodeBase64(payload) else {
            throw AttestationError.signature("the envelope's payload is not valid base64")
        }
        guard !signatures.isEmpty else { throw AttestationError.signature("the envelope has no signatures") }
        let message = Self.pae(type: payloadType, body: body)
        for signature in signatures {
            guard let raw = Self.decodeBase64(signature.sig) else { continue }
            if keys.contains(where: { $0.isValidSignature(raw, for: message) }) { return body }
        }
        throw AttestationError.signature(
            "no signature verifies with the trusted key(s) \(keys.map { String($0.keyID.prefix(12)) }.joined(separator: ", "))"
        )
    }

    static func decodeBase64(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }
}
