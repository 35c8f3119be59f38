import Foundation
import GantryCore
import Hummingbird
import Logging
import StateModel

/// `POST /hooks/{github,gitlab,generic}[/{project}]`: a forge's event, proven by its signature,
/// queues a run of the event's exact commit and is answered once queued (202), not after the run.
/// A delivery id seen before answers 200 and starts nothing. Without a project in the path the
/// server's only project is meant.
struct WebhookRoutes {
    let services: ServerServices

    enum Forge: String, CaseIterable {
        case github, gitlab, generic
    }

    func add(to router: Router<ServerRequestContext>) {
        for forge in Forge.allCases {
            router.post("/hooks/\(forge.rawValue)") { request, context in
                try await receive(forge, projectName: nil, request, context)
            }
            router.post("/hooks/\(forge.rawValue)/{project}") { request, context in
                try await receive(forge, projectName: try context.parameters.require("project"), request, context)
            }
        }
    }

    private func receive(_ forge: Forge, projectName: String?, _ request: Request, _ context: ServerRequestContext)
        async throws -> Response
    {
        let project = try resolveProject(projectName)
        guard let secret = project.webhookSecret else {
            services.metrics.webhook(source: forge.rawValue, result: "rejected")
            throw APIError(
                .forbidden, "webhooks_disabled",
                "project \(project.name) has no webhook secret (set webhook_secret, or GANTRY_WEBHOOK_SECRET)")
        }
        let body = try await RequestBody.bytes(request, limit: services.configuration.maxBodySize)
        guard verify(forge, request: request, body: body, secret: secret) else {
            services.metrics.webhook(source: forge.rawValue, result: "rejected")
            context.logger.warning("webhook signature refused", metadata: ["project": .string(project.name)])
            throw APIError.unauthorized(signatureHelp(forge))
        }
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(body, maxDepth: 64)
        } catch {
            throw APIError.badRequest("the payload is not valid JSON: \(error)")
        }
        let event = parse(forge, request: request, payload: payload, project: project)
        let trigger: WebhookEvent.Trigger
        switch event {
        case .ignore(let reason):
            if forge == .generic { throw APIError.invalid(reason) }
            services.metrics.webhook(source: forge.rawValue, result: "ignored")
            return JSONResponse.encode(["status": "ignored", "reason": reason])
        case .run(let requested):
            trigger = requested
        }
        guard let deliveryID = deliveryID(forge, request: request), (1...200).contains(deliveryID.count) else {
            throw APIError.badRequest("the delivery has no id header (\(deliveryHeaderName(forge)))")
        }
        let now = Date()
        let entry = QueuedRun(
            id: QueueIDs.make(now: now), project: project.name, commitSHA: trigger.commitSHA, ref: trigger.ref,
            event: trigger.event, source: forge.rawValue, changedFiles: trigger.changedFiles,
            baseSHA: trigger.changedFiles == nil ? trigger.baseSHA : nil, queuedAt: now,
            requestedBy: forge.rawValue)
        let queued = try await services.state.enqueue(
            entry,
            delivery: WebhookDelivery(
                source: forge.rawValue, deliveryID: deliveryID, project: project.name, receivedAt: now))
        guard queued else {
            services.metrics.webhook(source: forge.rawValue, result: "replayed")
            return JSONResponse.encode(["status": "duplicate", "reason": "delivery \(deliveryID) was seen before"])
        }
        services.metrics.webhook(source: forge.rawValue, result: "queued")
        services.queueSignal.notify()
        context.logger.info(
            "webhook queued a run",
            metadata: [
                "project": .string(project.name), "queue": .string(entry.id), "commit": .string(entry.commitSHA),
            ])
        return JSONResponse.encode(QueueEntry(entry), status: .accepted)
    }

    private func resolveProject(_ name: String?) throws(APIError) -> ProjectConfiguration {
        try services.configuration.resolveProject(name) { count in
            APIError.notFound("this server has \(count) projects: send the hook to /hooks/<forge>/<project>")
        }
    }

    private func verify(_ forge: Forge, request: Request, body: Data, secret: String) -> Bool {
        switch forge {
        case .github:
            WebhookSignature.verifyHMAC(
                header: request.headers[.hubSignature256], body: body, secret: secret)
        case .gitlab:
            WebhookSignature.verifyToken(request.headers[.gitlabToken], secret: secret)
        case .generic:
            WebhookSignature.verifyHMAC(
                header: request.headers[.gantrySignature256], body: body, secret: secret)
        }
    }

    private func parse(_ forge: Forge, request: Request, payload: JSONValue, project: ProjectConfiguration)
        -> WebhookEvent
    {
        switch forge {
        case .github:
            ForgeEvents.github(
                event: request.headers[.githubEvent] ?? "", payload: payload, project: project)
        case .gitlab:
            ForgeEvents.gitlab(
                event: request.headers[.gitlabEvent] ?? "", payload: payload, project: project)
        case .generic:
            ForgeEvents.generic(payload: payload)
        }
    }

    private func deliveryID(_ forge: Forge, request: Request) -> String? {
        switch forge {
        case .github: request.headers[.githubDelivery]
        case .gitlab:
            request.headers[.gitlabEventUUID]
                ?? request.headers[.idempotencyKey]
        case .generic: request.headers[.gantryDelivery]
        }
    }

    private func deliveryHeaderName(_ forge: Forge) -> String {
        switch forge {
        case .github: "X-GitHub-Delivery"
        case .gitlab: "X-Gitlab-Event-UUID"
        case .generic: "X-Gantry-Delivery"
        }
    }

    private func signatureHelp(_ forge: Forge) -> String {
        switch forge {
        case .github: "X-Hub-Signature-256 does not match the body under the project's webhook secret"
        case .gitlab: "X-Gitlab-Token does not match the project's webhook secret"
        case .generic: "X-Gantry-Signature-256 (sha256=HMAC of the body) does not match the project's webhook secret"
        }
    }
}
