import Foundation
import GantryCore
import Hummingbird
import Logging
import Processes
import Release
import StateModel

/// `/api/v1/promotions` and `/api/v1/rollbacks`: promote a digest, approve (with TOTP), reject,
/// cancel, roll back — the release operations of the CLI, acting as the token's user, allowed by the
/// environment's rules in the server configuration. Each runs on the project's pipeline at the
/// artifact's commit.
struct PromotionRoutes {
    let services: ServerServices
    let logger: Logger

    private var workspace: ReleaseWorkspace { ReleaseWorkspace(services: services, logger: logger) }

    func add(to router: Router<ServerRequestContext>) {
        router.post("/api/v1/promotions") { request, context in try await promote(request, context) }
        router.post("/api/v1/promotions/{id}/approve") { request, context in try await approve(request, context) }
        router.post("/api/v1/promotions/{id}/reject") { request, context in try await reject(request, context) }
        router.post("/api/v1/promotions/{id}/cancel") { request, context in try await cancel(request, context) }
        router.post("/api/v1/rollbacks") { request, context in try await rollback(request, context) }
        router.post("/api/v1/rejections") { request, context in try await rejectDigest(request, context) }
    }

    /// `{"app", "environment", "digest" | "from", "project"?, "reason"?, "irreversible"?}`.
    private func promote(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.releaser)
        let body = try await RequestBody.object(
            request, limit: services.configuration.maxBodySize,
            allowed: ["project", "app", "environment", "digest", "from", "reason", "irreversible"])
        let app = try body.string("app", required: true) ?? ""
        let environment = try body.string("environment", required: true) ?? ""
        try allow(.promote, principal, environment)
        let digest = try body.string("digest")
        let from = try body.string("from")
        guard (digest == nil) != (from == nil) else {
            throw APIError.invalid(
                "give exactly one of \"digest\" (sha256:…, APP@sha256:…, APP:TAG) or \"from\" (an environment)")
        }
        let source: Promoter.Source = digest.map { .digest($0) } ?? .environment(from ?? "")
        return try await PromotionStarter(services: services, logger: logger).start(
            project: try workspace.project(try body.string("project")), app: app, environment: environment,
            source: source, reason: try body.string("reason"), irreversible: try body.string("irreversible"),
            actor: principal.user
        ).response
    }

    /// `{"totp"?}`: the token's user approves; with the last approval needed, the deployment starts.
    private func approve(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.releaser)
        let body = try await RequestBody.object(request, limit: services.configuration.maxBodySize, allowed: ["totp"])
        let record = try await openRecord(context)
        return try await workspace.approve(record, user: principal.user, totp: try body.string("totp"))
    }

    /// `{"reason"}`: rejects the promotion's digest (it can never be promoted or rolled back to again).
    private func reject(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.releaser)
        let body = try await RequestBody.object(request, limit: services.configuration.maxBodySize, allowed: ["reason"])
        let reason = try nonEmpty(body.string("reason", required: true), "reason")
        let record = try await record(context)
        try allow(.approve, principal, record.environment)
        let opened = try await open(record, principal)
        defer { Task { await opened.close() } }
        return try await rejection(opened, app: record.app, digest: record.digest, reason: reason)
    }

    /// `{"app", "digest", "reason", "project"?}`: rejects a digest by name (`gantry reject --server`).
    /// The token's user must be allowed to approve wherever the digest runs or waits to deploy.
    private func rejectDigest(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.releaser)
        let body = try await RequestBody.object(
            request, limit: services.configuration.maxBodySize, allowed: ["project", "app", "digest", "reason"])
        let app = try body.string("app", required: true) ?? ""
        let text = try body.string("digest", required: true) ?? ""
        let reason = try nonEmpty(body.string("reason", required: true), "reason")
        guard let digest = Digest(parsing: text) else {
            throw APIError.invalid("\"digest\" must be sha256: and 64 hex digits (got '\(text)')")
        }
        let running = try await services.state.pointers(app: app).filter { $0.digest == digest }.map(\.environment)
        let waiting = try await services.state.openPromotions(app: app).filter { $0.digest == digest }.map(
            \.environment)
        for environment in Set(running + waiting) { try allow(.approve, principal, environment) }
        let opened = try await workspace.open(
            project: try workspace.project(try body.string("project")),
            commit: try workspace.commit(of: digest.description, app: app),
            actor: principal.user, cancellation: CancellationFlag())
        defer { Task { await opened.close() } }
        return try await rejection(opened, app: app, digest: digest, reason: reason)
    }

    private func rejection(_ opened: ReleaseWorkspace.Opened, app: String, digest: Digest, reason: String)
        async throws -> Response
    {
        do {
            let rejection = try await Promoter(context: opened.context).reject(
                app: app, digest: digest.description, reason: reason)
            return JSONResponse.encode([
                "app": rejection.app, "digest": rejection.digest.description, "reason": rejection.reason,
                "rejected_by": rejection.rejectedBy, "rejected_at": Timestamp.iso8601(rejection.rejectedAt),
            ])
        } catch {
            throw ReleaseTasks.apiError(error, logger: logger)
        }
    }

    /// `{"reason"}`: withdraws a promotion waiting for approval.
    private func cancel(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.releaser)
        let body = try await RequestBody.object(request, limit: services.configuration.maxBodySize, allowed: ["reason"])
        let reason = try nonEmpty(body.string("reason", required: true), "reason")
        let record = try await openRecord(context)
        guard
            principal.user == record.requestedBy
                || services.configuration.permissions(for: record.environment)
                    .allows(.approve, user: principal.user)
                || principal.role == .admin
        else {
            throw APIError(
                .forbidden, "forbidden", "\(principal.user) may not cancel promotions to \(record.environment)")
        }
        let opened = try await open(record, principal)
        defer { Task { await opened.close() } }
        do {
            return JSONResponse.encode(
                PromotionSummary(
                    try await Promoter(context: opened.context).cancel(promotionID: record.id, reason: reason)))
        } catch {
            throw ReleaseTasks.apiError(error, logger: logger)
        }
    }

    /// `{"app", "environment", "reason", "to"?, "force"?, "project"?}`: redeploys last-known-good (or `to`).
    private func rollback(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let principal = try context.require(.releaser)
        let body = try await RequestBody.object(
            request, limit: services.configuration.maxBodySize,
            allowed: ["project", "app", "environment", "reason", "to", "force"])
        let app = try body.string("app", required: true) ?? ""
        let environment = try body.string("environment", required: true) ?? ""
        let reason = try nonEmpty(body.string("reason", required: true), "reason")
        try allow(.rollback, principal, environment)
        let project = try workspace.project(try body.string("project"))
        return try await RollbackStarter(services: services, logger: logger).start(
            project: project, app: app, environment: environment, to: try body.string("to"), reason: reason,
            force: try body.bool("force") ?? false, actor: principal.user
        ).response
    }

    // MARK: Helpers

    private func allow(_ action: EnvironmentPermissions.Action, _ principal: Principal, _ environment: String)
        throws(APIError)
    {
        try workspace.allow(action, user: principal.user, environment: environment)
    }

    private func record(_ context: ServerRequestContext) async throws -> PromotionRecord {
        let id = try context.parameters.require("id")
        guard let record = try await services.state.promotion(id: id) else {
            throw APIError.notFound("no promotion '\(id)'")
        }
        return record
    }

    private func openRecord(_ context: ServerRequestContext) async throws -> PromotionRecord {
        let record = try await record(context)
        guard record.status.isOpen else {
            throw APIError.conflict("promotion \(record.id) is already \(record.status.rawValue)")
        }
        return record
    }

    private func open(_ record: PromotionRecord, _ principal: Principal) async throws -> ReleaseWorkspace.Opened {
        try await workspace.open(for: record, actor: principal.user)
    }

    private func nonEmpty(_ text: String?, _ name: String) throws(APIError) -> String {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalid("\"\(name)\" is required: say why")
        }
        return text
    }
}

/// Starts a promotion (the API's and the board's) on the pipeline at the artifact's commit.
struct PromotionStarter {
    let services: ServerServices
    let logger: Logger

    func start(
        project: ProjectConfiguration, app: String, environment: String, source: Promoter.Source, reason: String?,
        irreversible: String?, actor: String
    ) async throws -> (id: String, response: Response) {
        let workspace = ReleaseWorkspace(services: services, logger: logger)
        let reference: String
        switch source {
        case .digest(let digest): reference = digest
        case .environment(let from):
            guard let pointer = try await services.state.pointer(app: app, environment: from) else {
                throw APIError.invalid("\(app) has never been deployed to \(from): nothing to promote from there")
            }
            reference = pointer.digest.description
        }
        let commit = try workspace.commit(of: reference, app: app)
        let opened = try await workspace.open(
            project: project, commit: commit, actor: actor, cancellation: CancellationFlag())
        let id = PromotionRecord.newID()
        let response = try await services.releases.start(
            id: id, workspace: opened, state: services.state, logger: logger
        ) {
            try await $0.promote(
                app: app, to: environment, source: source, irreversible: irreversible, reason: reason, id: id)
        }
        return (id, response)
    }
}

/// Starts a rollback (the API's and the Alertmanager receiver's): on the pipeline at the commit the
/// environment runs now.
struct RollbackStarter {
    let services: ServerServices
    let logger: Logger

    func start(
        project: ProjectConfiguration, app: String, environment: String, to target: String?, reason: String,
        force: Bool, actor: String
    ) async throws -> (id: String, response: Response) {
        guard let pointer = try await services.state.pointer(app: app, environment: environment) else {
            throw APIError.invalid("\(app) has never been deployed to \(environment): nothing to roll back")
        }
        guard let commit = pointer.commit else {
            throw APIError.invalid("\(app) in \(environment) has no commit recorded: roll back with the CLI")
        }
        let opened = try await ReleaseWorkspace(services: services, logger: logger).open(
            project: project, commit: commit, actor: actor, cancellation: CancellationFlag())
        let id = PromotionRecord.newID()
        let response = try await services.releases.start(
            id: id, workspace: opened, state: services.state, logger: logger
        ) {
            try await $0.rollback(app: app, environment: environment, to: target, reason: reason, force: force, id: id)
        }
        return (id, response)
    }
}
