import Foundation
import Hummingbird
import StateModel

/// `/api/v1/notifications` (admin): the outbox by state — pending, delivered, dead (the dead-letter
/// list) — and sending a dead one again.
struct NotificationRoutes {
    let services: ServerServices

    struct Item: JSONWritable {
        var event: OutboxEvent

        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("attempts", event.attempts)
                out.field("created_at", event.createdAt)
                out.field("fields", event.fields)
                out.field("id", event.id)
                out.field("last_error", event.lastError)
                out.field("next_attempt_at", event.nextAttemptAt)
                out.field("state", event.state.rawValue)
                out.field("subject", event.subject)
                out.field("type", event.type)
            }
        }
    }

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/notifications") { request, context in
            _ = try context.require(.admin)
            let text = request.uri.queryParameters.get("state") ?? "dead"
            guard let state = OutboxEvent.State(rawValue: text) else {
                throw APIError.invalid("state must be pending, delivered or dead (got '\(text)')")
            }
            let events = try await services.state.outboxEvents(state: state, limit: 200)
            return JSONResponse.encode(["notifications": events.map(Item.init)])
        }
        router.post("/api/v1/notifications/{id}/retry") { _, context in
            _ = try context.require(.admin)
            let id = try context.parameters.require("id")
            guard try await services.state.retryEvent(id, at: Date()) else {
                throw APIError.notFound("no dead notification '\(id)'")
            }
            return JSONResponse.encode(["id": id, "state": "pending"])
        }
    }
}
