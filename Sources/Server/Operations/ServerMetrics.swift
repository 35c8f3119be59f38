import Foundation
import Synchronization

/// The server's own counters and histograms, written in Prometheus' text format by `/metrics`
/// together with gauges read from the state at scrape time.
final class ServerMetrics: Sendable {
    /// Upper bounds (seconds) of the request-duration histogram buckets.
    static let requestBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    /// Upper bounds (seconds) of the job-duration histogram buckets.
    static let jobBuckets: [Double] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]

    private struct Histogram {
        var buckets: [Int]
        var count = 0
        var sum = 0.0

        init(bounds: Int) { buckets = Array(repeating: 0, count: bounds) }

        mutating func observe(_ value: Double, bounds: [Double]) {
            for (index, bound) in bounds.enumerated() where value <= bound { buckets[index] += 1 }
            count += 1
            sum += value
        }
    }

    private struct Route: Hashable {
        var route: String
        var method: String
    }

    private struct Answer: Hashable {
        var route: Route
        var status: Int
    }

    private struct State {
        // Keyed by value, labelled at scrape time: building label text per request showed in profiles.
        var requests: [Route: Histogram] = [:]
        var responses: [Answer: Int] = [:]
        var webhooks: [String: Int] = [:]
        var runsFinished: [String: Int] = [:]
        var jobs = Histogram(bounds: ServerMetrics.jobBuckets.count)
        var retriesExhausted = 0
    }

    private let state = Mutex(State())

    /// One answered request: its route pattern (not its path: ids would explode the label set).
    func request(route: String, method: String, status: Int, seconds: Double) {
        let key = Route(route: route, method: method)
        state.withLock { state in
            state.requests[key, default: Histogram(bounds: Self.requestBuckets.count)]
                .observe(seconds, bounds: Self.requestBuckets)
            state.responses[Answer(route: key, status: status), default: 0] += 1
        }
    }

    /// One webhook delivery and what came of it (`queued`, `replayed`, `ignored`, `rejected`).
    func webhook(source: String, result: String) {
        state.withLock { $0.webhooks[Self.labels(["result": result, "source": source]), default: 0] += 1 }
    }

    /// A run the server executed, by its final status, and its jobs.
    func runFinished(status: String, jobSeconds: [Double], retriesExhausted: Int) {
        state.withLock { state in
            state.runsFinished[Self.labels(["status": status]), default: 0] += 1
            for seconds in jobSeconds { state.jobs.observe(seconds, bounds: Self.jobBuckets) }
            state.retriesExhausted += retriesExhausted
        }
    }

    /// The text exposition, with `gauges` (name → help, type and samples) appended.
    func exposition(gauges: [MetricFamily]) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("gantry_http_request_duration_seconds", "histogram", "Time to answer an HTTP request, by route.")
        let requests = snapshot.requests.map {
            (Self.labels(["method": $0.key.method, "route": $0.key.route]), $0.value)
        }
        for (labels, histogram) in requests.sorted(by: { $0.0 < $1.0 }) {
            histogramLines(&out, "gantry_http_request_duration_seconds", labels, histogram, Self.requestBuckets)
        }
        family("gantry_http_responses_total", "counter", "HTTP responses by route and status.")
        let responses = snapshot.responses.map { answer, count in
            (
                Self.labels([
                    "method": answer.route.method, "route": answer.route.route, "status": String(answer.status),
                ]), count
            )
        }
        for (labels, count) in responses.sorted(by: { $0.0 < $1.0 }) {
            out += "gantry_http_responses_total{\(labels)} \(count)\n"
        }
        family("gantry_webhook_deliveries_total", "counter", "Webhook deliveries by source and result.")
        for (labels, count) in snapshot.webhooks.sorted(by: { $0.key < $1.key }) {
            out += "gantry_webhook_deliveries_total{\(labels)} \(count)\n"
        }
        family("gantry_server_runs_finished_total", "counter", "Runs this server executed, by status.")
        for (labels, count) in snapshot.runsFinished.sorted(by: { $0.key < $1.key }) {
            out += "gantry_server_runs_finished_total{\(labels)} \(count)\n"
        }
        family("gantry_job_duration_seconds", "histogram", "Duration of the jobs of runs this server executed.")
        histogramLines(&out, "gantry_job_duration_seconds", "", snapshot.jobs, Self.jobBuckets)
        family("gantry_job_retries_exhausted_total", "counter", "Jobs whose every retry failed.")
        out += "gantry_job_retries_exhausted_total \(snapshot.retriesExhausted)\n"
        for gauge in gauges {
            family(gauge.name, gauge.type, gauge.help)
            for (labels, value) in gauge.samples {
                out += labels.isEmpty ? "\(gauge.name) \(value)\n" : "\(gauge.name){\(labels)} \(value)\n"
            }
        }
        return out
    }

    private func histogramLines(
        _ out: inout String, _ name: String, _ labels: String, _ histogram: Histogram, _ bounds: [Double]
    ) {
        let prefix = labels.isEmpty ? "" : labels + ","
        for (index, bound) in bounds.enumerated() {
            out += "\(name)_bucket{\(prefix)le=\"\(Self.number(bound))\"} \(histogram.buckets[index])\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(histogram.count)\n"
        let suffix = labels.isEmpty ? "" : "{\(labels)}"
        out += "\(name)_sum\(suffix) \(Self.number(histogram.sum))\n"
        out += "\(name)_count\(suffix) \(histogram.count)\n"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// `name="value"` pairs, sorted, with values escaped as the text format asks.
    static func labels(_ pairs: [String: String]) -> String {
        pairs.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: ",")
    }
}

/// A gauge (or counter) computed at scrape time.
struct MetricFamily: Sendable {
    var name: String
    var type: String
    var help: String
    /// Label text (`status="queued"`, or empty) → value.
    var samples: [(String, String)]
}
