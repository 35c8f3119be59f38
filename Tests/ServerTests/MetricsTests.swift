import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite struct MetricsTests {
    /// Every sample line is `name{labels} value` of a family declared with HELP and TYPE, histogram
    /// buckets are cumulative up to `+Inf` = `_count`, and requests are counted by route pattern.
    @Test func theExpositionIsWellFormedAndCountsByRoute() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let text = try await fixture.routerApplication().test(.router) { client in
            for id in ["a", "b", "c"] {
                try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: fixture.headers(.viewer))
            }
            return try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
        }
        var declared = Set<String>()
        let sample = try Regex(
            #"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$"#
        )
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                declared.insert(String(line.split(separator: " ")[2]))
                continue
            }
            if line.hasPrefix("#") { continue }
            let match = try #require(try sample.wholeMatch(in: String(line)), "malformed sample: \(line)")
            let name = String(match.output[1].substring ?? "")
            let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                name.hasSuffix(suffix) && declared.contains(String(name.dropLast(suffix.count)))
                    ? String(name.dropLast(suffix.count)) : name
            }
            #expect(declared.contains(family), "\(name) has no TYPE")
        }
        // Three requests to one route pattern, answered 404 (no such runs).
        #expect(
            text.contains(
                #"gantry_http_responses_total{method="GET",route="/api/v1/runs/{id}",status="404"} 3"#))
        #expect(
            text.contains(
                #"gantry_http_request_duration_seconds_bucket{method="GET",route="/api/v1/runs/{id}",le="+Inf"} 3"#))
        #expect(text.contains(#"gantry_http_request_duration_seconds_count{method="GET",route="/api/v1/runs/{id}"} 3"#))
    }
}
