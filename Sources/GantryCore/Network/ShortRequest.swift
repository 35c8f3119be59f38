public import Foundation

#if canImport(FoundationNetworking)
    public import FoundationNetworking
#endif

/// One short HTTP exchange with a deadline — a health check, a readiness probe, a metrics query — on
/// a session of its own (no cache, no cookies, nothing kept between calls).
public enum ShortRequest {
    /// Why there was no answer.
    public enum Failure: Error, Sendable, Equatable {
        /// Nothing came back within the deadline (in whole seconds, as the HTTP stack counts them).
        case timedOut(seconds: Int)
        /// The connection failed, or what came back was not HTTP.
        case failed(String)
    }

    /// A GET of `url` that passes on a 2xx answer, and what happened in words, naming it `label`
    /// (`GET /healthz → 200`, `GET /healthz: no answer within 2s`).
    public static func check(_ url: URL, label: String, timeout: Duration, session: URLSession? = nil) async -> (
        passed: Bool, detail: String
    ) {
        switch await send(URLRequest(url: url), timeout: timeout, session: session) {
        case .success(let answer): return ((200..<300).contains(answer.status), "GET \(label) → \(answer.status)")
        case .failure(.timedOut(let seconds)): return (false, "GET \(label): no answer within \(seconds)s")
        case .failure(.failed(let why)): return (false, "GET \(label): \(why)")
        }
    }

    /// Sends `request` and waits at most `timeout` (rounded up to whole seconds, at least one: the HTTP
    /// stack counts in seconds, and a fraction would round to no time at all). Without a `session`, one
    /// of its own is made and ended; a caller that asks every few hundred milliseconds (a readiness
    /// probe) passes `URLSession.shared` instead of making one each time.
    public static func send(_ request: URLRequest, timeout: Duration, session given: URLSession? = nil) async
        -> Result<(status: Int, body: Data), Failure>
    {
        let components = timeout.components
        let seconds = max(1, (Double(components.seconds) + Double(components.attoseconds) / 1e18).rounded(.up))
        var request = request
        request.cachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        request.timeoutInterval = seconds
        let session: URLSession
        if let given {
            session = given
        } else {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = seconds
            configuration.timeoutIntervalForResource = seconds
            session = URLSession(configuration: configuration)
        }
        defer { if given == nil { session.finishTasksAndInvalidate() } }
        do {
            let (body, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .failure(.failed("not an HTTP response")) }
            return .success((http.statusCode, body))
        } catch let error as URLError where error.code == .timedOut {
            return .failure(.timedOut(seconds: Int(seconds)))
        } catch {
            return .failure(.failed(error.localizedDescription))
        }
    }
}
