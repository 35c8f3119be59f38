import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

@Suite struct RunsAPITests {
    @Test func aDeveloperQueuesARunOfAnExactCommit() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let body = #"{"project":"web","commit":"\#(fixture.commit.uppercased())","ref":"refs/heads/main"}"#
        try await fixture.routerApplication().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: fixture.headers(.developer), body: ByteBuffer(json: body))
            #expect(response.status == .accepted)
            #expect(response.json["commit_sha"] as? String == fixture.commit)
            #expect(response.json["status"] as? String == "queued")
            #expect(response.json["requested_by"] as? String == "developer-user")
            let id = try #require(response.json["id"] as? String)
            try await client.execute(uri: "/api/v1/queue/\(id)", method: .get, headers: fixture.headers(.viewer)) {
                #expect($0.json["status"] as? String == "queued")
            }
            // Cancelled before a worker took it.
            try await client.execute(
                uri: "/api/v1/queue/\(id)/cancel", method: .post, headers: fixture.headers(.developer)
            ) { #expect($0.json["status"] as? String == "cancelled") }
            try await client.execute(
                uri: "/api/v1/queue/\(id)/cancel", method: .post, headers: fixture.headers(.developer)
            ) { #expect($0.status == .conflict) }
        }
    }

    @Test(arguments: [
        ("{not json", 400, "bad_request"),
        ("[1,2]", 422, "validation_failed"),
        (#"{"project":"web","commit":"abc123"}"#, 422, "validation_failed"),
        (#"{"project":"web","commit":"refs/heads/main"}"#, 422, "validation_failed"),
        (#"{"project":"web"}"#, 422, "validation_failed"),
        (#"{"project":7,"commit":"x"}"#, 422, "validation_failed"),
        (#"{"project":"web","commit":"0123456789abcdef0123456789abcdef01234567","extra":1}"#, 422, "validation_failed"),
        (#"{"project":"nope","commit":"0123456789abcdef0123456789abcdef01234567"}"#, 404, "not_found"),
        (
            #"{"project":"web","commit":"0123456789abcdef0123456789abcdef01234567","changed_files":[1]}"#, 422,
            "validation_failed"
        ),
    ])
    func badRunRequestsGetClearErrors(body: String, status: Int, code: String) async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: fixture.headers(.developer), body: ByteBuffer(json: body)
            ) { response in
                #expect(response.status.code == status)
                #expect(response.errorCode == code)
            }
        }
        #expect(try fixture.state.queuedRuns().isEmpty)
    }

    @Test func anOversizedBodyIs413() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let huge = #"{"project":"web","ref":""# + String(repeating: "x", count: 100_000) + "\"}"
        try await fixture.routerApplication().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: fixture.headers(.developer), body: ByteBuffer(json: huge)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "body_too_large")
            }
        }
    }

    @Test func runsPageWithACursorAndFilter() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let state = try fixture.state
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<5 {
            try state.beginRun(
                RunRecord(
                    id: "run-\(index)", correlation: "c", pipelineName: "demo", pipelineFile: "gantry.yml",
                    pipelineDigest: "sha256:" + String(repeating: "a", count: 64),
                    status: index == 2 ? .failure : .success, startedAt: base.addingTimeInterval(Double(index)),
                    project: "web"))
        }
        try await fixture.routerApplication().test(.router) { client in
            let first = try await client.execute(
                uri: "/api/v1/runs?limit=2", method: .get, headers: fixture.headers(.viewer))
            let firstIDs = (first.json["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(firstIDs == ["run-4", "run-3"])
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.execute(
                uri: "/api/v1/runs?limit=2&cursor=\(cursor)", method: .get, headers: fixture.headers(.viewer))
            let secondIDs = (second.json["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(secondIDs == ["run-2", "run-1"])
            try await client.execute(
                uri: "/api/v1/runs?status=failure", method: .get, headers: fixture.headers(.viewer)
            ) {
                let ids = ($0.json["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == ["run-2"])
            }
            try await client.execute(uri: "/api/v1/runs/run-2", method: .get, headers: fixture.headers(.viewer)) {
                #expect(($0.json["run"] as? [String: Any])?["status"] as? String == "failure")
            }
            for bad in ["limit=0", "limit=abc", "status=exploded", "cursor=%21%21"] {
                try await client.execute(uri: "/api/v1/runs?\(bad)", method: .get, headers: fixture.headers(.viewer)) {
                    #expect($0.status == .unprocessableContent, "\(bad)")
                }
            }
            try await client.execute(uri: "/api/v1/runs/nope", method: .get, headers: fixture.headers(.viewer)) {
                #expect($0.status == .notFound)
            }
            // A run recorded by another process shows on the next list (a kept response is not reused).
            let other = try StateStore(directory: fixture.directory.url.appendingPathComponent("data"))
            try other.beginRun(
                RunRecord(
                    id: "run-9", correlation: "c", pipelineName: "demo", pipelineFile: "gantry.yml",
                    pipelineDigest: "sha256:" + String(repeating: "a", count: 64), status: .running,
                    startedAt: base.addingTimeInterval(100), project: "web"))
            let again = try await client.execute(
                uri: "/api/v1/runs?limit=2", method: .get, headers: fixture.headers(.viewer))
            let againIDs = (again.json["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(againIDs == ["run-9", "run-4"])
        }
    }

    /// Every route the router serves is in the OpenAPI document, and every path of the document is served.
    @Test func theRoutesMatchTheOpenAPIDocument() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        // The dashboard's pages are HTML, not API: they are not in the document.
        let served = Set(
            fixture.server.router().routes.map { "\($0.method.rawValue.lowercased()) \($0.path)" }.filter { route in
                ["/api/", "/hooks/", "/healthz", "/readyz", "/metrics"].contains { route.contains(" \($0)") }
            })
        let document = try await fixture.routerApplication().test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.yaml", method: .get) { String(buffer: $0.body) }
        }
        let documented = OpenAPIPaths.operations(in: document)
        #expect(served == documented)
        #expect(served.count > 20)
    }
}

/// The `paths:` operations of an OpenAPI document (YAML as written in Sources/Server/API/openapi.yaml).
enum OpenAPIPaths {
    static func operations(in document: String) -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.hasPrefix(" ") { break }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "delete", "patch"].contains(String(method)) {
                    operations.insert("\(method) \(path)")
                }
            }
        }
        return operations
    }
}
