import Engine
import Foundation
import GantryCore
import Hummingbird
import StateModel

/// `/api/v1/runs` and `/api/v1/queue`: list, show, trigger and cancel runs.
struct RunsRoutes {
    let services: ServerServices

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/runs") { request, context in try await list(request, context) }
        router.post("/api/v1/runs") { request, context in try await trigger(request, context) }
        router.get("/api/v1/runs/{id}") { _, context in try await show(context) }
        router.get("/api/v1/runs/{id}/logs") { request, context in try await logs(request, context) }
        router.get("/api/v1/queue") { request, context in try await queue(request, context) }
        router.get("/api/v1/queue/{id}") { _, context in try await queueEntry(context) }
        router.post("/api/v1/queue/{id}/cancel") { _, context in try await cancel(context) }
    }

    private func list(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        _ = try context.require(.viewer)
        let parameters = request.uri.queryParameters
        var query = RunQuery(limit: 20)
        if let limit = parameters.get("limit") {
            guard let value = Int(limit), (1...200).contains(value) else {
                throw APIError.invalid("limit must be a whole number from 1 to 200 (got '\(limit)')")
            }
            query.limit = value
        }
        if let status = parameters.get("status") {
            guard let value = RunStatus(rawValue: status) else {
                throw APIError.invalid(
                    "unknown status '\(status)' (expected \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            query.status = value
        }
        // An empty value is no filter (as a form with a blank field sends it).
        query.project = parameters.get("project").flatMap { $0.isEmpty ? nil : $0 }
        query.pipeline = parameters.get("pipeline").flatMap { $0.isEmpty ? nil : $0 }
        var cursor = ""
        if let text = parameters.get("cursor"), !text.isEmpty {
            query.before = try Self.decodeCursor(text)
            cursor = text
        }
        // The same page of the same state is the same body: read the stamp first, then the runs.
        let key = [
            "runs", query.status?.rawValue ?? "", query.project ?? "", query.pipeline ?? "", cursor,
            String(query.limit),
        ].joined(separator: "\u{1F}")
        let stamp = try await services.state.changeStamp()
        if let body = services.responses.body(for: key, stamp: stamp) {
            return JSONResponse.make(status: .ok, buffer: body)
        }
        let runs = try await services.state.runs(query)
        let next = runs.count == query.limit ? runs.last.map { Self.encodeCursor(RunCursor(after: $0)) } : nil
        let body = ByteBuffer(bytes: JSONResponse.bytes(RunPage(runs: runs.map { RunSummary($0) }, nextCursor: next)))
        services.responses.store(body, for: key, stamp: stamp)
        return JSONResponse.make(status: .ok, buffer: body)
    }

    private func show(_ context: ServerRequestContext) async throws -> Response {
        _ = try context.require(.viewer)
        let id = try context.parameters.require("id")
        guard let run = try await services.state.run(matching: id) else {
            throw APIError.notFound("no run '\(id)'")
        }
        let jobs = try await services.state.jobs(runID: run.id)
        let artifacts = try await services.state.jobArtifacts(runID: run.id, jobIDs: nil)
        return JSONResponse.encode(
            RunDetail(
                run: RunSummary(run, full: true), jobs: jobs.map(JobSummary.init),
                artifacts: artifacts.map(JobArtifactItem.init)))
    }

    /// The run's job logs as JSON lines (the records of `.gantry/logs/<run>/<job>.jsonl`, masked when
    /// written), job by job; `job` (repeatable) picks jobs by name or id.
    private func logs(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        _ = try context.require(.viewer)
        let id = try context.parameters.require("id")
        guard let run = try await services.state.run(matching: id) else {
            throw APIError.notFound("no run '\(id)'")
        }
        let wanted = request.uri.queryParameters.getAll("job").map { String($0) }
        var jobs = try await services.state.jobs(runID: run.id)
        if !wanted.isEmpty {
            jobs = jobs.filter { wanted.contains($0.name) || wanted.contains($0.jobID) }
            guard !jobs.isEmpty else {
                throw APIError.notFound("run \(run.id) has no job named \(wanted.joined(separator: ", "))")
            }
        }
        let directory = services.dataDirectory.appendingPathComponent("logs/\(run.id)")
        let files = jobs.map { directory.appendingPathComponent(EngineLogNames.fileName($0.name)) }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                for file in files {
                    guard let handle = try? FileHandle(forReadingFrom: file) else { continue }
                    defer { try? handle.close() }
                    while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// `{"project", "commit", "ref"?}`: queues a run of that exact commit.
    private func trigger(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.developer)
        let body = try await RequestBody.object(
            request, limit: services.configuration.maxBodySize, allowed: ["project", "commit", "ref", "changed_files"])
        let name = try body.string("project", required: true) ?? ""
        guard let project = services.configuration.project(name) else {
            throw APIError.notFound("no project '\(name)' (GET /api/v1/projects lists them)")
        }
        guard let commit = WebhookEvent.commitID(try body.string("commit", required: true)) else {
            throw APIError.invalid("commit must be a full commit id (40 or 64 hex digits), not a branch or a short id")
        }
        let entry = QueuedRun(
            id: QueueIDs.make(), project: project.name, commitSHA: commit, ref: try body.string("ref"), event: "api",
            source: "api", changedFiles: try body.strings("changed_files"), queuedAt: Date(),
            requestedBy: principal.user)
        _ = try await services.state.enqueue(entry, delivery: nil)
        services.queueSignal.notify()
        return JSONResponse.encode(QueueEntry(entry), status: .accepted)
    }

    private func queue(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        _ = try context.require(.viewer)
        var statuses: [QueuedRun.Status]?
        if let text = request.uri.queryParameters.get("status") {
            guard let status = QueuedRun.Status(rawValue: text) else {
                throw APIError.invalid(
                    "unknown status '\(text)' (expected \(QueuedRun.Status.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            statuses = [status]
        }
        let entries = try await services.state.queuedRuns(statuses: statuses, limit: 100)
        return JSONResponse.encode(["entries": entries.map(QueueEntry.init)])
    }

    private func queueEntry(_ context: ServerRequestContext) async throws -> Response {
        _ = try context.require(.viewer)
        let id = try context.parameters.require("id")
        guard let entry = try await services.state.queuedRun(id: id) else {
            throw APIError.notFound("no queued run '\(id)'")
        }
        return JSONResponse.encode(QueueEntry(entry))
    }

    /// Cancels a queued run, or stops it when it is running.
    private func cancel(_ context: ServerRequestContext) async throws -> Response {
        _ = try context.require(.developer)
        let id = try context.parameters.require("id")
        guard let entry = try await services.state.queuedRun(id: id) else {
            throw APIError.notFound("no queued run '\(id)'")
        }
        switch entry.status {
        case .queued:
            if try await services.state.closeQueuedRun(
                id: id, status: .cancelled, detail: "cancelled before it started", at: Date())
            {
                return JSONResponse.encode(["status": "cancelled"])
            }
            // A worker took it meanwhile: stop the run instead.
            return JSONResponse.encode(["status": services.running.cancel(id) ? "cancelling" : "finished"])
        case .started:
            guard services.running.cancel(id) else {
                throw APIError.conflict("queued run '\(id)' is not running on this server")
            }
            return JSONResponse.encode(["status": "cancelling"], status: .accepted)
        default:
            throw APIError.conflict("queued run '\(id)' already ended (\(entry.status))")
        }
    }

    static func encodeCursor(_ cursor: RunCursor) -> String {
        Data("\(cursor.startedAt.timeIntervalSince1970)|\(cursor.id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ text: String) throws(APIError) -> RunCursor {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard text.count <= 256, let data = Data(base64Encoded: base64),
            let decoded = String(data: data, encoding: .utf8)
        else { throw APIError.invalid("cursor is not one this server returned (use next_cursor as given)") }
        let parts = decoded.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let seconds = Double(parts[0]), seconds.isFinite else {
            throw APIError.invalid("cursor is not one this server returned (use next_cursor as given)")
        }
        return RunCursor(startedAt: Date(timeIntervalSince1970: seconds), id: String(parts[1]))
    }
}

/// Ids of queue entries: `q_` + time-ordered hex + randomness.
enum QueueIDs {
    static func make(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return "q_" + String(millis, radix: 16) + String(format: "%06x", UInt32.random(in: 0..<0x100_0000))
    }
}
