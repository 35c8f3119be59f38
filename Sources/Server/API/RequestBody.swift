import Foundation
import GantryCore
import Hummingbird
import NIOCore

/// Reading a request body: at most the configured size (413 beyond it, decided from `Content-Length`
/// before reading when it is given), then parsed as JSON into an object whose members are checked by
/// name and type (400 for malformed JSON, 422 for unknown or mistyped fields).
enum RequestBody {
    /// The raw body, at most `limit` bytes.
    static func bytes(_ request: Request, limit: Int) async throws(APIError) -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw tooLarge(limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        } catch {
            throw APIError.badRequest("the request body could not be read")
        }
    }

    /// The body as a JSON object whose member names are all in `allowed`.
    static func object(_ request: Request, limit: Int, allowed: Set<String>) async throws(APIError) -> JSONObject {
        let data = try await bytes(request, limit: limit)
        let value: JSONValue
        do {
            value = try JSONValue.parse(data, maxDepth: 32)
        } catch {
            throw APIError.badRequest("the body is not valid JSON: \(error)")
        }
        guard case .object(let members) = value else { throw APIError.invalid("the body must be a JSON object") }
        let unknown = members.map(\.0).filter { !allowed.contains($0) }
        if let first = unknown.first {
            throw APIError.invalid(
                "unknown field '\(first)' (expected \(allowed.sorted().joined(separator: ", ")))")
        }
        return JSONObject(members: members)
    }

    private static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(limit) bytes")
    }
}

/// A request's JSON object, read member by member with typed errors (422).
struct JSONObject {
    let members: [(String, JSONValue)]

    private func value(_ name: String) -> JSONValue? { members.first { $0.0 == name }?.1 }

    func string(_ name: String, required: Bool = false) throws(APIError) -> String? {
        switch value(name) {
        case .string(let text): return text
        case nil, .null?:
            if required { throw APIError.invalid("field '\(name)' is required (a string)") }
            return nil
        default: throw APIError.invalid("field '\(name)' must be a string")
        }
    }

    func strings(_ name: String) throws(APIError) -> [String]? {
        switch value(name) {
        case nil, .null?: return nil
        case .array(let items)?:
            var result: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw APIError.invalid("field '\(name)' must be a list of strings")
                }
                result.append(text)
            }
            return result
        default: throw APIError.invalid("field '\(name)' must be a list of strings")
        }
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        switch value(name) {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw APIError.invalid("field '\(name)' must be true or false")
        }
    }

    func integer(_ name: String) throws(APIError) -> Int? {
        switch value(name) {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let number = Int(text) else { throw APIError.invalid("field '\(name)' must be a whole number") }
            return number
        default: throw APIError.invalid("field '\(name)' must be a whole number")
        }
    }
}
