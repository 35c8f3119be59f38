import Foundation
import GantryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Asks a Prometheus server for the one number a rollout analysis judges: an instant query
/// (`POST /api/v1/query`) whose result must be a scalar or a vector of one series.
struct PrometheusClient: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:9090`.
    var address: String
    var timeout: Duration = .seconds(10)

    /// What a query gave.
    enum Answer: Sendable, Equatable {
        case value(Double)
        /// No number yet (an empty vector, or NaN: a rate over no requests), which more time can change.
        case noData(String)
    }

    /// Why a query gave no answer; `permanent` when asking again cannot help (a bad query, a result of
    /// the wrong shape).
    struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
        var message: String
        var permanent: Bool
        var description: String { message }
    }

    /// The largest response read.
    static let maximumResponseBytes = 1 << 20

    func query(_ expression: String) async -> Result<Answer, QueryError> {
        let base = address.hasSuffix("/") ? String(address.dropLast()) : address
        guard let url = URL(string: base + "/api/v1/query") else {
            return .failure(QueryError(message: "\(address) is not a valid URL", permanent: true))
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        // Form-encoded by hand: '+' must reach Prometheus as %2B, not as a space.
        request.httpBody = Data("query=\(Self.formEncoded(expression))".utf8)
        switch await ShortRequest.send(request, timeout: timeout) {
        case .success(let answer):
            return Self.parse(status: answer.status, body: answer.body)
        case .failure(.timedOut(let seconds)):
            return .failure(
                QueryError(message: "Prometheus at \(address) did not answer within \(seconds)s", permanent: false))
        case .failure(.failed(let why)):
            return .failure(QueryError(message: "Prometheus at \(address): \(why)", permanent: false))
        }
    }

    /// Reads an answer of the query API: `{"status":"success","data":{"resultType":…,"result":…}}` or
    /// `{"status":"error","errorType":…,"error":…}`.
    static func parse(status: Int, body: Data) -> Result<Answer, QueryError> {
        guard body.count <= maximumResponseBytes else {
            return .failure(QueryError(message: "Prometheus answered with more than 1 MiB", permanent: true))
        }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .failure(
                QueryError(
                    message: "Prometheus answered HTTP \(status) without a query API response",
                    permanent: !(500...599).contains(status)))
        }
        if object["status"] as? String != "success" {
            let kind = object["errorType"] as? String ?? "error"
            let message = (object["error"] as? String).map { String($0.prefix(500)) } ?? "no message"
            // bad_data (HTTP 400) and execution errors (422) are the query's; anything else may pass.
            return .failure(
                QueryError(
                    message: "Prometheus refused the query (\(kind), HTTP \(status)): \(message)",
                    permanent: status == 400 || status == 422))
        }
        guard let data = object["data"] as? [String: Any], let type = data["resultType"] as? String else {
            return .failure(QueryError(message: "Prometheus answered without data.resultType", permanent: true))
        }
        let sample: [Any]
        switch type {
        case "scalar":
            guard let pair = data["result"] as? [Any] else {
                return .failure(QueryError(message: "Prometheus answered a scalar without a value", permanent: true))
            }
            sample = pair
        case "vector":
            guard let series = data["result"] as? [[String: Any]] else {
                return .failure(QueryError(message: "Prometheus answered a vector without a result", permanent: true))
            }
            guard !series.isEmpty else { return .success(.noData("the query returned no series yet")) }
            guard series.count == 1, let pair = series[0]["value"] as? [Any] else {
                return .failure(
                    QueryError(
                        message:
                            "the query returned \(series.count) series; aggregate it to one number (e.g. with sum(…))",
                        permanent: true))
            }
            sample = pair
        default:
            return .failure(
                QueryError(
                    message:
                        "the query returned a \(type); an analysis needs one number (an instant vector of one series, or a scalar)",
                    permanent: true))
        }
        guard sample.count == 2, let text = sample[1] as? String, let value = Self.number(text) else {
            return .failure(QueryError(message: "Prometheus answered a sample without a number", permanent: true))
        }
        if value.isNaN { return .success(.noData("the query's result is NaN (no data in its range yet)")) }
        return .success(.value(value))
    }

    /// Prometheus' sample values: decimal numbers, `NaN`, `+Inf`, `-Inf`.
    static func number(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }

    static func formEncoded(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
