import Foundation
import GantryCore
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON responses, written by `JSONWriter`.
enum JSONResponse {
    /// `value` as a JSON response.
    static func encode(_ value: some JSONWritable, status: HTTPResponse.Status = .ok) -> Response {
        make(status: status, body: bytes(value))
    }

    /// `value` as JSON bytes, ending with a newline.
    static func bytes(_ value: some JSONWritable) -> [UInt8] {
        var out = JSONWriter()
        value.writeJSON(to: &out)
        var bytes = out.bytes
        bytes.append(0x0A)
        return bytes
    }

    static func make(
        status: HTTPResponse.Status, body: some Collection<UInt8>, contentType: String = "application/json"
    )
        -> Response
    {
        make(status: status, buffer: ByteBuffer(bytes: body), contentType: contentType)
    }

    /// A response sending `buffer` as it is (a cached body is shared, not copied).
    static func make(status: HTTPResponse.Status, buffer: ByteBuffer, contentType: String = "application/json")
        -> Response
    {
        Response(
            status: status,
            headers: [
                .contentType: contentType, .contentLength: String(buffer.readableBytes), .cacheControl: "no-store",
            ],
            body: ResponseBody(byteBuffer: buffer))
    }
}
