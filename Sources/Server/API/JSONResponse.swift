import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON responses: keys in snake_case, dates in ISO 8601, keys sorted (stable output for clients and tests).
enum JSONResponse {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as a JSON response.
    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var data = try encoder().encode(value)
        data.append(0x0A)
        return make(status: status, body: data)
    }

    static func make(status: HTTPResponse.Status, body: Data, contentType: String = "application/json") -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType, .contentLength: String(body.count), .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
