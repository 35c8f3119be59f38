public import Foundation
import GantryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client for one registry speaking the OCI distribution API: authentication by challenge (Basic,
/// or Bearer tokens from the realm the registry names), retries with exponential backoff and a cap
/// for connection errors, timeouts, 429 and 5xx, and a circuit breaker that stops calling a registry
/// that keeps failing.
public actor RegistryClient {
    /// Tunables; the defaults suit real registries.
    public struct Configuration: Sendable {
        /// Use plain HTTP. Default: only for `localhost`, `127.0.0.1` and `[::1]`.
        public var plainHTTP: Bool?
        /// Time allowed for one request (seconds; the HTTP stack counts whole seconds).
        public var requestTimeout: TimeInterval = 60
        /// Attempts after the first for a request that failed transiently.
        public var retries: Int = 4
        public var backoff: Duration = .milliseconds(200)
        public var maxBackoff: Duration = .seconds(5)
        /// Blobs larger than this are uploaded in PATCH chunks of this size.
        public var chunkSize: Int = 32 << 20
        public var breaker = CircuitBreaker()

        public init() {}
    }

    public let registry: String
    let base: URL
    let credentials: RegistryCredentials?
    let configuration: Configuration
    let session: URLSession
    let sessionConfiguration: URLSessionConfiguration
    /// Bearer tokens by scope set, or the Basic header once the registry asked for it.
    private var tokens: [String: String] = [:]
    private var basicChallenged = false
    /// Told about retries and the breaker, for the user.
    let progress: @Sendable (String) -> Void
    /// Told how many bytes of each blob went up or came down.
    let transferProgress: ProgressHandler?

    public init(
        registry: String, credentials: RegistryCredentials?, configuration: Configuration = Configuration(),
        progress: @escaping @Sendable (String) -> Void = { _ in }, transferProgress: ProgressHandler? = nil
    ) throws {
        self.transferProgress = transferProgress
        self.registry = registry
        self.credentials = credentials
        self.configuration = configuration
        self.progress = progress
        let host = registry.split(separator: ":").first.map(String.init) ?? registry
        let plain = configuration.plainHTTP ?? ["localhost", "127.0.0.1", "[::1]"].contains(host)
        guard let base = URL(string: "\(plain ? "http" : "https")://\(registry)") else {
            throw RegistryError.malformed("'\(registry)' is not a usable registry address")
        }
        self.base = base
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        let timeout = max(1, configuration.requestTimeout.rounded(.up))
        sessionConfiguration.timeoutIntervalForRequest = timeout
        sessionConfiguration.timeoutIntervalForResource = 24 * 3600
        sessionConfiguration.httpMaximumConnectionsPerHost = 4
        self.sessionConfiguration = sessionConfiguration
        session = URLSession(configuration: sessionConfiguration)
    }

    deinit { session.invalidateAndCancel() }

    /// A URL under `/v2/`, or an absolute `Location` the registry returned.
    func url(_ path: String) throws -> URL {
        if path.hasPrefix("http://") || path.hasPrefix("https://"), let absolute = URL(string: path) {
            return absolute
        }
        guard let url = URL(string: path.hasPrefix("/") ? path : "/v2/" + path, relativeTo: base)?.absoluteURL
        else { throw RegistryError.malformed("cannot form a URL for \(path)") }
        return url
    }

    /// A finished request.
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// For a response streamed to a file: the digest and size of what was written.
        var digest: Digest? = nil
        var size: Int64 = 0

        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// Sends a request with authentication, retries and the breaker; returns any response that is not
    /// transient (callers decide what a 404 means). `scopes` are the token scopes the call needs. With
    /// `destination`, a 2xx body is streamed into that file and hashed on the way.
    func send(
        _ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil, scopes: [String],
        destination: URL? = nil, destinationProgress: (@Sendable (Int64) -> Void)? = nil
    ) async throws -> Response {
        let target = try url(path)
        var lastProblem = ""
        var authenticated = false
        var attempt = 0
        while attempt <= configuration.retries {
            try configuration.breaker.check(registry: registry)
            var request = URLRequest(url: target)
            request.httpMethod = method
            request.setValue("gantry", forHTTPHeaderField: "User-Agent")
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            if let authorization = authorization(for: scopes) {
                request.setValue(authorization, forHTTPHeaderField: "Authorization")
            }
            let response: Response
            do {
                let urlResponse: URLResponse?
                var data = Data()
                var streamed: BlobStream.Outcome?
                if let destination {
                    let outcome = try await BlobStream.fetch(
                        request, to: destination, configuration: sessionConfiguration, progress: destinationProgress)
                    urlResponse = outcome.response
                    data = outcome.errorBody
                    streamed = outcome
                } else if let body {
                    (data, urlResponse) = try await session.upload(for: request, from: body)
                } else {
                    (data, urlResponse) = try await session.data(for: request)
                }
                guard let http = urlResponse as? HTTPURLResponse else {
                    throw RegistryError.malformed("\(method) \(target.path): not an HTTP response")
                }
                var fields: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { fields[key] = value }
                }
                response = Response(
                    status: http.statusCode, headers: fields, body: data, digest: streamed?.digest,
                    size: streamed?.size ?? Int64(data.count))
            } catch let error as URLError {
                lastProblem =
                    error.code == .timedOut
                    ? "no answer within \(Int(configuration.requestTimeout))s" : error.localizedDescription
                try await failed(method, target, lastProblem, attempt: &attempt)
                continue
            }
            if response.status == 401, !authenticated {
                authenticated = true
                try await authenticate(challenge: response.header("WWW-Authenticate"), scopes: scopes)
                continue
            }
            if response.status == 429 || response.status >= 500 {
                lastProblem = "HTTP \(response.status)\(Self.errorSummary(response.body).map { ": \($0)" } ?? "")"
                try await failed(method, target, lastProblem, attempt: &attempt)
                continue
            }
            configuration.breaker.success()
            if response.status == 401 {
                throw RegistryError.unauthorized(
                    "\(registry) refused the credentials for \(method) \(target.path)\(credentials == nil ? " (none configured: set GANTRY_REGISTRY_USERNAME and GANTRY_REGISTRY_PASSWORD, or an auth file)" : "")"
                )
            }
            if response.status == 403 {
                throw RegistryError.unauthorized(
                    "\(registry) denied \(method) \(target.path)\(Self.errorSummary(response.body).map { ": \($0)" } ?? "")"
                )
            }
            return response
        }
        throw RegistryError.unavailable(
            "\(registry): \(method) \(target.path) failed \(configuration.retries + 1) times; last: \(lastProblem)")
    }

    /// Records a transient failure, waits the backoff, and counts the attempt.
    private func failed(_ method: String, _ target: URL, _ problem: String, attempt: inout Int) async throws {
        if configuration.breaker.failure() {
            progress("\(registry): circuit breaker opened after repeated failures (\(problem))")
        }
        attempt += 1
        guard attempt <= configuration.retries else { return }
        var delay = configuration.backoff
        for _ in 1..<attempt { delay = min(configuration.maxBackoff, delay * 2) }
        progress(
            "\(registry): \(method) \(target.path) failed (\(problem)); retry \(attempt)/\(configuration.retries) in \(delay.humanShort)"
        )
        try await Task.sleep(for: delay)
    }

    private func authorization(for scopes: [String]) -> String? {
        if let token = tokens[scopes.sorted().joined(separator: " ")] { return "Bearer " + token }
        if basicChallenged, let credentials { return credentials.basicHeader }
        return nil
    }

    /// Answers a `WWW-Authenticate` challenge: Basic with the configured credentials, or a Bearer
    /// token fetched from the realm for `scopes`.
    private func authenticate(challenge: String?, scopes: [String]) async throws {
        guard let challenge, let parsed = AuthChallenge(parsing: challenge) else {
            throw RegistryError.unauthorized("\(registry) requires authentication but sent no usable challenge")
        }
        switch parsed.scheme {
        case "basic":
            guard credentials != nil else {
                throw RegistryError.unauthorized(
                    "\(registry) requires a login: set GANTRY_REGISTRY_USERNAME and GANTRY_REGISTRY_PASSWORD, or an auth file"
                )
            }
            basicChallenged = true
        case "bearer":
            guard let realm = parsed.parameters["realm"], var components = URLComponents(string: realm) else {
                throw RegistryError.unauthorized("\(registry) sent a Bearer challenge without a realm")
            }
            var items = components.queryItems ?? []
            if let service = parsed.parameters["service"] {
                items.append(URLQueryItem(name: "service", value: service))
            }
            let wanted = scopes.isEmpty ? (parsed.parameters["scope"].map { [$0] } ?? []) : scopes
            for scope in wanted { items.append(URLQueryItem(name: "scope", value: scope)) }
            components.queryItems = items
            guard let url = components.url else { throw RegistryError.unauthorized("unusable token realm \(realm)") }
            var request = URLRequest(url: url)
            if let credentials { request.setValue(credentials.basicHeader, forHTTPHeaderField: "Authorization") }
            let data: Data
            let response: URLResponse
            do {
                (data, response) = try await session.data(for: request)
            } catch {
                throw RegistryError.unavailable(
                    "cannot reach the token service \(url.host ?? realm): \(error.localizedDescription)")
            }
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                throw RegistryError.unauthorized(
                    "the token service for \(registry) refused\(credentials == nil ? " anonymous access" : " the credentials") (HTTP \(status))"
                )
            }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let token = (object["token"] as? String) ?? (object["access_token"] as? String), !token.isEmpty
            else { throw RegistryError.malformed("the token service for \(registry) sent no token") }
            tokens[scopes.sorted().joined(separator: " ")] = token
        default:
            throw RegistryError.unauthorized("\(registry) asks for unsupported authentication '\(parsed.scheme)'")
        }
    }

    /// The first error of an OCI error body (`{"errors":[{"code":…,"message":…}]}`), for messages.
    static func errorSummary(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let first = (object["errors"] as? [[String: Any]])?.first
        else { return nil }
        return [first["code"] as? String, first["message"] as? String].compactMap { $0 }.joined(separator: ": ")
    }
}

/// A parsed `WWW-Authenticate` header: scheme and `key="value"` parameters.
struct AuthChallenge: Sendable, Hashable {
    var scheme: String
    var parameters: [String: String]

    init?(parsing header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            scheme = trimmed.lowercased()
            parameters = [:]
            return
        }
        scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[key] = value
        }
        self.parameters = parameters
    }
}
