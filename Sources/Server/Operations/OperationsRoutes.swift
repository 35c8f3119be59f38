import Foundation
import Hummingbird
import StateModel

/// `/healthz` (the process answers), `/readyz` (the state answers) and `/metrics` (Prometheus text).
struct OperationsRoutes {
    let services: ServerServices

    func add(to router: Router<ServerRequestContext>) {
        router.get("/healthz") { _, _ in JSONResponse.encode(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do {
                _ = try await services.state.queuedRuns(statuses: [.queued], limit: 1)
                return JSONResponse.encode(["status": "ready"])
            } catch {
                throw APIError(.serviceUnavailable, "not_ready", "the state database does not answer")
            }
        }
        router.get("/metrics") { _, context in
            if !services.configuration.publicMetrics { _ = try context.require(.viewer) }
            let text = services.metrics.exposition(gauges: try await gauges())
            return JSONResponse.make(
                status: .ok, body: Data(text.utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    /// Gauges read from the state at scrape time: queue depth and age, recent runs by status.
    private func gauges() async throws -> [MetricFamily] {
        let queued = try await services.state.queuedRuns(statuses: [.queued], limit: 10_000)
        let started = try await services.state.queuedRuns(statuses: [.started], limit: 10_000)
        let oldest = queued.map(\.queuedAt).min().map { max(0, Date().timeIntervalSince($0)) } ?? 0
        let recent = try await services.state.runs(RunQuery(limit: 1000))
        var byStatus: [String: Int] = Dictionary(uniqueKeysWithValues: RunStatus.allCases.map { ($0.rawValue, 0) })
        for run in recent { byStatus[run.status.rawValue, default: 0] += 1 }
        let backlog = try await services.state.outboxEvents(state: .pending, limit: 10_000).count
        let dead = try await services.state.outboxEvents(state: .dead, limit: 10_000).count
        return [
            MetricFamily(
                name: "gantry_outbox_backlog", type: "gauge", help: "Notifications waiting to be delivered.",
                samples: [("", String(backlog))]),
            MetricFamily(
                name: "gantry_outbox_dead", type: "gauge", help: "Notifications whose every attempt failed.",
                samples: [("", String(dead))]),
            MetricFamily(
                name: "gantry_queue_depth", type: "gauge", help: "Runs waiting for a worker.",
                samples: [("", String(queued.count))]),
            MetricFamily(
                name: "gantry_queue_oldest_age_seconds", type: "gauge",
                help: "Age of the oldest run waiting for a worker.", samples: [("", ServerMetrics.number(oldest))]),
            MetricFamily(
                name: "gantry_runs_in_progress", type: "gauge", help: "Runs this server is executing.",
                samples: [("", String(started.count))]),
            MetricFamily(
                name: "gantry_recent_runs", type: "gauge", help: "The last 1000 runs, by status.",
                samples: byStatus.sorted { $0.key < $1.key }.map {
                    (ServerMetrics.labels(["status": $0.key]), String($0.value))
                }),
        ]
    }
}
