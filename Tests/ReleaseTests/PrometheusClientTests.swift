import Foundation
import GantryTestSupport
import Testing

@testable import Release

/// The answers of Prometheus' query API a rollout analysis reads, and a real Prometheus (Debian's)
/// on loopback answering the client's queries.
@Suite struct PrometheusClientTests {
    func parse(_ json: String, status: Int = 200) -> Result<PrometheusClient.Answer, PrometheusClient.QueryError> {
        PrometheusClient.parse(status: status, body: Data(json.utf8))
    }

    @Test func oneNumberIsAnAnswer() {
        #expect(
            parse(#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"0.25"]}}"#)
                == .success(.value(0.25)))
        #expect(
            parse(
                #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"release":"a"},"value":[1700000000,"+Inf"]}]}}"#
            ) == .success(.value(.infinity)))
    }

    @Test func noDataYetIsNotAVerdict() {
        guard case .success(.noData) = parse(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        else {
            Issue.record("an empty vector is no data yet")
            return
        }
        guard
            case .success(.noData) = parse(
                #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#)
        else {
            Issue.record("NaN is no data yet")
            return
        }
    }

    @Test func wrongShapesAndRefusalsAreErrorsThatSayWhy() throws {
        let several = parse(
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}"#
        )
        #expect(
            several
                == .failure(
                    .init(
                        message: "the query returned 2 series; aggregate it to one number (e.g. with sum(…))",
                        permanent: true)))
        guard case .failure(let matrix) = parse(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
        else {
            Issue.record("a range vector is not one number")
            return
        }
        #expect(matrix.permanent && matrix.message.contains("returned a matrix"))
        let refused = parse(
            #"{"status":"error","errorType":"bad_data","error":"parse error: unexpected end of input"}"#, status: 400)
        #expect(
            refused
                == .failure(
                    .init(
                        message:
                            "Prometheus refused the query (bad_data, HTTP 400): parse error: unexpected end of input",
                        permanent: true)))
        guard case .failure(let unavailable) = parse("<html>bad gateway</html>", status: 502) else {
            Issue.record("a proxy's error page is not an answer")
            return
        }
        #expect(!unavailable.permanent, "a 5xx may pass: \(unavailable.message)")
        guard case .failure(let huge) = parse(String(repeating: " ", count: PrometheusClient.maximumResponseBytes + 1))
        else {
            Issue.record("an answer over 1 MiB is refused")
            return
        }
        #expect(huge.permanent)
    }

    @Test func plusSignsReachPrometheusAsPlusSigns() {
        #expect(
            PrometheusClient.formEncoded("1 + rate(x{a=\"b\"}[1m])") == "1%20%2B%20rate%28x%7Ba%3D%22b%22%7D%5B1m%5D%29"
        )
    }

    /// Debian's prometheus on a free loopback port, scraping itself every second.
    @Test(.timeLimit(.minutes(2))) func aRealPrometheusAnswers() async throws {
        let directory = try TemporaryDirectory()
        let port = try freeLoopbackPort()
        let config = directory.url.appendingPathComponent("prometheus.yml")
        try """
        global: { scrape_interval: 1s }
        scrape_configs:
          - job_name: self
            static_configs: [{ targets: ["127.0.0.1:\(port)"] }]
        """.write(to: config, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess(
            "/usr/bin/prometheus",
            [
                "--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(port)",
                "--storage.tsdb.path=\(directory.url.appendingPathComponent("data").path)",
            ], log: directory.url.appendingPathComponent("prometheus.log"))
        defer { server.stop() }
        let client = PrometheusClient(address: "http://127.0.0.1:\(port)/")
        // The arithmetic needs no data: it proves the query (and its '+') arrived intact.
        var answer = await client.query("1 + 2 * 3")
        for _ in 0..<100 where answer != .success(.value(7)) {
            try await Task.sleep(for: .milliseconds(200))
            answer = await client.query("1 + 2 * 3")
        }
        #expect(answer == .success(.value(7)), "\(answer)")
        // Its own scrape: no series until the first one, then 1.
        var up = await client.query(#"up{job="self"}"#)
        for _ in 0..<50 where up != .success(.value(1)) {
            try await Task.sleep(for: .milliseconds(200))
            up = await client.query(#"up{job="self"}"#)
        }
        #expect(up == .success(.value(1)), "\(up)")
        guard case .failure(let refused) = await client.query("sum(") else {
            Issue.record("a broken query is refused")
            return
        }
        #expect(refused.permanent && refused.message.hasPrefix("Prometheus refused the query (bad_data, HTTP 400)"))
        guard
            case .failure(let several) = await client.query(
                "vector(1) or label_replace(vector(2), \"a\", \"b\", \"\", \"\")")
        else {
            Issue.record("two series are not one number")
            return
        }
        #expect(several.message.hasPrefix("the query returned 2 series"))
        server.stop()
        guard case .failure(let gone) = await client.query("1") else {
            Issue.record("a stopped server gives no answer")
            return
        }
        #expect(!gone.permanent, "\(gone.message)")
    }
}
