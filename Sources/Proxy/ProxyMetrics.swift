import Foundation
import GantryCore

/// The proxy's counters in the Prometheus text format, and its routes as JSON.
public enum ProxyMetrics {
    /// `gantry_proxy_requests_total`, `…_responses_5xx_total`, `…_upstream_failures_total`,
    /// `…_request_duration_seconds` (histogram) and `gantry_proxy_backend_weight`, labelled by release.
    public static func text(_ table: RouteTable) -> String {
        let routes = table.routes
        let stats = table.allStats.sorted { $0.key < $1.key }
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
        }
        let counters: [(name: String, help: String, value: (TrafficCounters) -> Int)] = [
            ("gantry_proxy_requests_total", "Responses received from a release.", \.requests),
            ("gantry_proxy_responses_5xx_total", "5xx responses from a release.", \.serverErrors),
            ("gantry_proxy_upstream_failures_total", "Requests a release did not answer.", \.failures),
        ]
        for counter in counters {
            family(counter.name, "counter", counter.help)
            for (name, stats) in stats {
                lines.append("\(counter.name){release=\"\(name)\"} \(counter.value(stats.snapshot))")
            }
        }
        family("gantry_proxy_request_duration_seconds", "histogram", "Time from a request to the end of its response.")
        for (name, counters) in stats {
            let snapshot = counters.snapshot
            var cumulative = 0
            for (index, count) in snapshot.buckets.enumerated() {
                cumulative += count
                let bound = index < TrafficCounters.bounds.count ? "\(TrafficCounters.bounds[index])" : "+Inf"
                lines.append(
                    "gantry_proxy_request_duration_seconds_bucket{release=\"\(name)\",le=\"\(bound)\"} \(cumulative)")
            }
            lines.append("gantry_proxy_request_duration_seconds_sum{release=\"\(name)\"} \(snapshot.latencySeconds)")
            lines.append("gantry_proxy_request_duration_seconds_count{release=\"\(name)\"} \(cumulative)")
        }
        family("gantry_proxy_backend_weight", "gauge", "The share of new requests a release takes now.")
        for backend in routes.backends {
            lines.append(
                "gantry_proxy_backend_weight{release=\"\(backend.name)\",role=\"\(backend.role.rawValue)\"} \(backend.weight)"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The routes as JSON: `{"backends": [{"name", "role", "host", "port", "weight"}], "sticky_cookie"}`.
    public static func routesJSON(_ table: RouteTable) -> String {
        let routes = table.routes
        let object: [String: Any] = [
            "backends": routes.backends.map {
                ["name": $0.name, "role": $0.role.rawValue, "host": $0.host, "port": $0.port, "weight": $0.weight]
            },
            "sticky_cookie": routes.stickyCookie ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
