import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body (what the dashboard's forms send), at most 16 KiB.
struct FormBody {
    let fields: [String: String]

    static func read(_ request: Request) async throws(APIError) -> FormBody {
        let data = try await RequestBody.bytes(request, limit: 16 * 1024)
        var fields: [String: String] = [:]
        for pair in String(decoding: data, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return FormBody(fields: fields)
    }

    subscript(_ name: String) -> String? { fields[name] }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
