import Foundation
import GantryCore
import Hummingbird
import Logging
import StateModel

/// `POST /hooks/alertmanager`: Alertmanager's webhook (payload version 4), with the bearer token of
/// the server configuration. A firing alert labelled `app` and `environment` rolls that environment
/// back (to the newest earlier verified deployment, as `gantry rollback` chooses) when what it runs
/// was deployed within the rollback window — once per
/// alert fingerprint and digest, however often Alertmanager repeats the notification. Resolved
/// alerts change nothing.
struct AlertmanagerRoute {
    let services: ServerServices
    let logger: Logger

    func add(to router: Router<ServerRequestContext>) {
        router.post("/hooks/alertmanager") { request, _ in try await receive(request) }
    }

    /// What was done about one alert.
    struct Action: JSONWritable {
        var fingerprint: String
        var app: String?
        var environment: String?
        var result: String
        var promotion: String?

        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("app", app)
                out.field("environment", environment)
                out.field("fingerprint", fingerprint)
                out.field("promotion", promotion)
                out.field("result", result)
            }
        }
    }

    private func receive(_ request: Request) async throws -> Response {
        guard let expected = services.configuration.alertmanagerToken else {
            throw APIError(
                .forbidden, "alertmanager_disabled",
                "set alertmanager_token in the server configuration to receive alerts")
        }
        let header = request.headers[.authorization] ?? ""
        let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)) : nil
        guard WebhookSignature.verifyToken(token, secret: expected) else {
            services.metrics.webhook(source: "alertmanager", result: "rejected")
            throw APIError.unauthorized("the Authorization bearer token is not the configured alertmanager_token")
        }
        let body = try await RequestBody.bytes(request, limit: services.configuration.maxBodySize)
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(body, maxDepth: 32)
        } catch {
            throw APIError.badRequest("the payload is not valid JSON: \(error)")
        }
        guard payload.string(at: "version") == "4", case .array(let alerts)? = payload["alerts"] else {
            throw APIError.invalid("expected an Alertmanager webhook payload, version \"4\", with \"alerts\"")
        }
        var actions: [Action] = []
        for alert in alerts.prefix(100) {
            actions.append(try await act(on: alert))
        }
        services.metrics.webhook(source: "alertmanager", result: "received")
        return JSONResponse.encode(["actions": actions])
    }

    private func act(on alert: JSONValue) async throws -> Action {
        let fingerprint = alert.string(at: "fingerprint") ?? ""
        let app = alert.string(at: "labels", "app")
        let environment = alert.string(at: "labels", "environment")
        var action = Action(fingerprint: fingerprint, app: app, environment: environment, result: "")
        guard alert.string(at: "status") == "firing" else {
            action.result = "ignored: not firing"
            return action
        }
        guard let app, let environment, !fingerprint.isEmpty else {
            action.result = "ignored: the alert needs app and environment labels and a fingerprint"
            return action
        }
        // A canary rollout in progress is aborted, not rolled back over: all traffic goes back to the
        // stable release within a second, and the promotion closes as rolled back.
        if let open = try await services.state.openPromotion(app: app, environment: environment),
            try await services.state.releaseInstances(app: app, environment: environment)
                .contains(where: { $0.role == .canary && $0.digest == open.digest })
        {
            guard
                try await services.state.claimAlertAction(
                    fingerprint: fingerprint, digest: open.digest, app: app, environment: environment, at: Date())
            else {
                action.result = "already aborting the rollout of \(open.digest.short) for this alert"
                return action
            }
            try await services.state.sendRolloutSignal(
                app: app, environment: environment, .abort, actor: "alertmanager", at: Date())
            _ = try await services.state.appendAudit(
                actor: "alertmanager", action: "rollout.abort", subject: "\(app)@\(open.digest)",
                details: [
                    "environment": environment, "promotion": open.id,
                    "alert": alert.string(at: "labels", "alertname") ?? "alert", "fingerprint": fingerprint,
                ], at: Date())
            action.result = "aborting the rollout of \(open.digest.short)"
            action.promotion = open.id
            return action
        }
        guard let pointer = try await services.state.pointer(app: app, environment: environment) else {
            action.result = "ignored: \(app) was never deployed to \(environment)"
            return action
        }
        let age = Date().timeIntervalSince(pointer.deployedAt)
        let window = Double(services.configuration.rollbackWindow.components.seconds)
        guard age <= window else {
            action.result =
                "ignored: \(app)@\(pointer.digest.short) was deployed \(Int(age / 60)) min ago, outside the rollback window"
            return action
        }
        // What a rollback put back is not rolled back again (the alert may still fire while it recovers).
        if let current = try await services.state.promotion(id: pointer.promotionID), current.kind == .rollback {
            action.result = "already rolled back: \(environment) runs rollback \(current.id)"
            return action
        }
        guard
            try await services.state.claimAlertAction(
                fingerprint: fingerprint, digest: pointer.digest, app: app, environment: environment, at: Date())
        else {
            action.result = "already rolled back for this alert"
            return action
        }
        let alertName = alert.string(at: "labels", "alertname") ?? "alert"
        do {
            let project = try ReleaseWorkspace(services: services, logger: logger).project(
                alert.string(at: "labels", "project"))
            let started = try await RollbackStarter(services: services, logger: logger).start(
                project: project, app: app, environment: environment, to: nil,
                reason: "\(alertName) firing (alert \(fingerprint))", force: false, actor: "alertmanager")
            action.result = "rolling back \(pointer.digest.short)"
            action.promotion = started.id
        } catch {
            action.result = "rollback failed: \(ReleaseTasks.apiError(error, logger: logger).message)"
            logger.error("alert rollback failed", metadata: ["app": .string(app), "error": "\(error)"])
        }
        return action
    }
}
