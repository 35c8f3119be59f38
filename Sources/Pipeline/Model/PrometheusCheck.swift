import Foundation

/// `analysis: {prometheus: {address, query, success_condition}}`: a rollout analysis judged by one
/// PromQL query against a Prometheus server at the end of the analysis window, as an Argo Rollouts
/// analysis template's Prometheus metric is.
public struct PrometheusCheck: Sendable, Hashable {
    /// The server's base URL; the query goes to `<address>/api/v1/query`.
    public var address: PrometheusAddress
    /// The PromQL expression. `{{canary}}` and `{{stable}}` are replaced by the two releases' labels
    /// in Gantry's proxy metrics (`release="…"`), `{{app}}` and `{{env}}` by the app and environment.
    public var query: String
    /// What the query's one number must satisfy for the canary to pass.
    public var successCondition: PrometheusCondition

    public init(address: PrometheusAddress, query: String, successCondition: PrometheusCondition) {
        self.address = address
        self.query = query
        self.successCondition = successCondition
    }

    public static let keys = ["address", "query", "success_condition"]
    /// The longest query accepted.
    public static let maximumQueryLength = 8192

    /// An address that cannot be used.
    public struct AddressError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The query with its placeholders filled in.
    public func renderedQuery(canary: String, stable: String, app: String, environment: String) -> String {
        query.replacingOccurrences(of: "{{canary}}", with: canary)
            .replacingOccurrences(of: "{{stable}}", with: stable)
            .replacingOccurrences(of: "{{app}}", with: app)
            .replacingOccurrences(of: "{{env}}", with: environment)
    }
}

/// Where the Prometheus server is: a URL in the pipeline file, or `{env: NAME}`, a variable of the
/// process that runs the promotion (the address differs between machines, as a port picked at run time).
public enum PrometheusAddress: Sendable, Hashable, CustomStringConvertible {
    case url(String)
    case environment(String)

    /// The URL, or why there is none.
    public func resolve(in environment: [String: String]) -> Result<String, PrometheusCheck.AddressError> {
        switch self {
        case .url(let url): return .success(url)
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                return .failure(
                    .init(
                        description:
                            "the Prometheus address is read from $\(name), which is not set: set it to the server's URL (e.g. http://127.0.0.1:9090) where gantry promotes"
                    ))
            }
            if let problem = Self.problem(value) {
                return .failure(.init(description: "$\(name) \(problem), found '\(value)'"))
            }
            return .success(value)
        }
    }

    /// Why `text` is not a Prometheus base URL, or nil.
    public static func problem(_ text: String) -> String? {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false, url.query == nil, url.user == nil
        else { return "must be the server's http:// or https:// base URL (e.g. http://127.0.0.1:9090)" }
        return nil
    }

    public var description: String {
        switch self {
        case .url(let url): return url
        case .environment(let name): return "$\(name)"
        }
    }
}

/// `result <= 0.01`, `result[0] >= 0.95`: one comparison of the query's result with a number — the
/// shape of nearly every Argo `successCondition`, without an expression language to evaluate.
public struct PrometheusCondition: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case less = "<"
        case greater = ">"
        case equal = "=="
        case notEqual = "!="
    }

    public var comparison: Comparison
    public var threshold: Double

    public init(_ comparison: Comparison, _ threshold: Double) {
        self.comparison = comparison
        self.threshold = threshold
    }

    /// Parses `result OP NUMBER` (also `result[0]`), or says why it is not that.
    public static func parse(_ text: String) -> Result<PrometheusCondition, ConditionError> {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard rest.hasPrefix("result") else { return .failure(ConditionError(text)) }
        rest = rest.dropFirst("result".count)
        if rest.hasPrefix("[0]") { rest = rest.dropFirst(3) }
        rest = rest.drop { $0 == " " }
        // Longest operators first, so `<=` is not read as `<`.
        guard let comparison = Comparison.allCases.first(where: { rest.hasPrefix($0.rawValue) }) else {
            return .failure(ConditionError(text))
        }
        let number = rest.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)
        guard let threshold = Double(number), threshold.isFinite else { return .failure(ConditionError(text)) }
        return .success(PrometheusCondition(comparison, threshold))
    }

    /// Whether `value` satisfies the condition; NaN satisfies none.
    public func holds(for value: Double) -> Bool {
        guard !value.isNaN else { return false }
        switch comparison {
        case .lessOrEqual: return value <= threshold
        case .greaterOrEqual: return value >= threshold
        case .less: return value < threshold
        case .greater: return value > threshold
        case .equal: return value == threshold
        case .notEqual: return value != threshold
        }
    }

    /// The condition as written (the threshold exact).
    public var description: String {
        "result \(comparison.rawValue) \(Self.wholeNumber(threshold) ?? "\(threshold)")"
    }

    /// A number for people: whole numbers without a fraction, others to four significant digits.
    public static func format(_ value: Double) -> String {
        if let whole = wholeNumber(value) { return whole }
        return value.isFinite ? String(format: "%.4g", value) : (value > 0 ? "+Inf" : "-Inf")
    }

    /// `value` without a fraction when it is a whole number (that fits an Int), else nil.
    private static func wholeNumber(_ value: Double) -> String? {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : nil
    }

    /// A condition that is not one comparison with a number.
    public struct ConditionError: Error, Sendable, CustomStringConvertible {
        public var text: String
        init(_ text: String) { self.text = text }
        public var description: String {
            "'\(text)' is not a condition gantry can check: write 'result OP NUMBER' with OP one of <=, >=, <, >, ==, != (e.g. 'result <= 0.01')"
        }
    }
}
