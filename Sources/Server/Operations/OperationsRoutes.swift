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

    /// Gauges read from the state at scrape time (aggregate queries): queue depth and age, runs in
    /// progress, recent runs by status, the outbox, promotions and rollbacks by environment and status.
    private func gauges() async throws -> [MetricFamily] {
        let counts = try await services.state.stateCounts()
        let oldest = counts.oldestQueuedAt.map { max(0, Date().timeIntervalSince($0)) } ?? 0
        var byStatus: [String: Int] = Dictionary(uniqueKeysWithValues: RunStatus.allCases.map { ($0.rawValue, 0) })
        byStatus.merge(counts.recentRuns) { $1 }
        let promotions = counts.promotions.sorted {
            ($0.kind, $0.environment, $0.status) < ($1.kind, $1.environment, $1.status)
        }
        return [
            MetricFamily(
                name: "gantry_outbox_backlog", type: "gauge", help: "Notifications waiting to be delivered.",
                samples: [("", String(counts.outboxPending))]),
            MetricFamily(
                name: "gantry_outbox_dead", type: "gauge", help: "Notifications whose every attempt failed.",
                samples: [("", String(counts.outboxDead))]),
            MetricFamily(
                name: "gantry_queue_depth", type: "gauge", help: "Runs waiting for a worker.",
                samples: [("", String(counts.queued))]),
            MetricFamily(
                name: "gantry_queue_oldest_age_seconds", type: "gauge",
                help: "Age of the oldest run waiting for a worker.", samples: [("", ServerMetrics.number(oldest))]),
            MetricFamily(
                name: "gantry_runs_in_progress", type: "gauge", help: "Runs this server is executing.",
                samples: [("", String(counts.started))]),
            MetricFamily(
                name: "gantry_recent_runs", type: "gauge", help: "The last 1000 runs, by status.",
                samples: byStatus.sorted { $0.key < $1.key }.map {
                    (ServerMetrics.labels(["status": $0.key]), String($0.value))
                }),
            MetricFamily(
                name: "gantry_promotions", type: "gauge",
                help: "Promotions and rollbacks recorded, by kind, environment and status (result).",
                samples: promotions.map {
                    (
                        ServerMetrics.labels(["kind": $0.kind, "environment": $0.environment, "status": $0.status]),
                        String($0.count)
                    )
                }),
            MetricFamily(
                name: "gantry_rollbacks", type: "gauge", help: "Rollbacks recorded, by environment.",
                samples: Dictionary(
                    promotions.filter { $0.kind == "rollback" }.map { ($0.environment, $0.count) }, uniquingKeysWith: +
                ).sorted { $0.key < $1.key }.map { (ServerMetrics.labels(["environment": $0.key]), String($0.value)) }),
        ]
    }
}
