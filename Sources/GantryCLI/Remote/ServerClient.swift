import Foundation
import GantryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Talks to a `gantry serve` for the commands given `--server URL`: bearer token from `GANTRY_TOKEN`,
/// JSON in and out, the server's `{"error": {"code", "message"}}` turned into an error with Gantry's
/// exit codes. The token never appears in a message.
struct ServerClient: Sendable {
    let base: URL
    private let token: String

    /// An HTTP or HTTPS URL (a path prefix is kept: a server behind a proxy at /gantry/).
    init(server: String, environment: [String: String]) throws {
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false, url.query == nil, url.user == nil, url.password == nil
        else {
            throw InputError(
                "--server must be the server's http:// or https:// URL without credentials (got '\(server)')")
        }
        guard let token = environment["GANTRY_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else {
            throw InputError(
                "--server needs an API token in GANTRY_TOKEN (an admin creates one with 'gantry tokens create')")
        }
        base = url
        self.token = token
    }

    /// What the server answered.
    struct Answer {
        var status: Int
        var body: Data

        /// The body as a JSON object.
        func object() throws -> [String: Any] {
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw InfrastructureError("the server answered \(status) with something other than a JSON object")
            }
            return object
        }
    }

    /// GET `path` (with `query`); a non-2xx answer throws.
    func get(_ path: String, query: [(String, String)] = []) async throws -> Answer {
        try await send("GET", path, query: query, body: nil)
    }

    /// DELETE `path`; a non-2xx answer throws.
    func delete(_ path: String) async throws -> Answer {
        try await send("DELETE", path, query: [], body: nil)
    }

    /// POST `body` as JSON to `path`; a non-2xx answer throws.
    func post(_ path: String, _ body: [String: Any]) async throws -> Answer {
        try await send("POST", path, query: [], body: try JSONSerialization.data(withJSONObject: body))
    }

    private func send(_ method: String, _ path: String, query: [(String, String)], body: Data?) async throws
        -> Answer
    {
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false) ?? URLComponents()
        // `path` is already encoded (names go through RemotePath.segment).
        let prefix = components.percentEncodedPath
        components.percentEncodedPath = (prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix) + path
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components.url else { throw InputError("cannot form a URL from --server and \(path)") }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalAndRemoteCacheData, timeoutInterval: 120)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw InfrastructureError(
                "cannot reach the server at \(base.absoluteString): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw InfrastructureError("\(base.absoluteString) did not answer over HTTP")
        }
        let answer = Answer(status: http.statusCode, body: data)
        guard (200..<300).contains(http.statusCode) else { throw ServerAnswerError(answer) }
        return answer
    }
}

/// A refusal or failure the server answered with, as its error code and message.
struct ServerAnswerError: GantryError {
    let status: Int
    let code: String
    let message: String

    init(_ answer: ServerClient.Answer) {
        status = answer.status
        let error =
            (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["error"]
            as? [String: Any]
        code = error?["code"] as? String ?? "http_\(answer.status)"
        message =
            error?["message"] as? String
            ?? "the server answered \(answer.status) \(HTTPURLResponse.localizedString(forStatusCode: answer.status))"
    }

    var description: String {
        switch status {
        case 401: "the server refused the token in GANTRY_TOKEN (\(message))"
        case 403: "not allowed: \(message)"
        default: message
        }
    }

    /// A refused gate or a failed deployment is a failed check (1), as locally; other refusals are the
    /// user's input (2); the server's own failures are infrastructure (3).
    var exitStatus: ExitStatus {
        if ["check_failed", "deployment_failed"].contains(code) { return .failure }
        return (400..<500).contains(status) ? .inputError : .infrastructure
    }
}

/// Names from the command line as one path segment of an API URL.
enum RemotePath {
    /// `text` percent-encoded as a single segment; empty or dot segments are refused.
    static func segment(_ text: String) throws -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        guard !text.isEmpty, text != ".", text != "..",
            let encoded = text.addingPercentEncoding(withAllowedCharacters: allowed)
        else { throw InputError("'\(text)' cannot be part of a server URL") }
        return encoded
    }
}
