import Attestation
import Foundation
import GantryCore
import Hummingbird
import Logging
import Release
import StateModel

/// The web dashboard: sign-in with a token (an HttpOnly, SameSite=Strict session cookie; failed
/// sign-ins limited per client), the runs, a run's jobs on a timeline, the environments board with
/// approve and roll back for those allowed, and the audit log with its verification. Pages are
/// rendered on the server and work without JavaScript; every form carries the session's CSRF token.
struct DashboardRoutes {
    let services: ServerServices
    let logger: Logger

    static let cookie = "gantry_session"

    func add(to router: Router<ServerRequestContext>) {
        router.get("/") { request, _ in
            HTMLPage.redirect(session(request) == nil ? "/login" : "/runs")
        }
        router.get("/login") { _, _ in loginPage(message: nil) }
        router.post("/login") { request, context in try await signIn(request, context) }
        router.post("/logout") { request, _ in try await signOut(request) }
        router.get("/runs") { request, _ in try await page(request) { try await runsPage($0) } }
        router.get("/runs/{id}") { request, context in
            try await page(request) { try await runPage(try context.parameters.require("id"), $0) }
        }
        router.get("/health") { request, _ in try await page(request) { try await healthPage($0) } }
        router.get("/environments") { request, _ in try await page(request) { try await board($0, message: nil) } }
        router.post("/environments/approve") { request, _ in try await act(request, .approve) }
        router.post("/environments/rollback") { request, _ in try await act(request, .rollback) }
        router.post("/environments/promote") { request, _ in try await act(request, .promote) }
        router.get("/audit") { request, _ in try await page(request) { try await auditPage($0) } }
        router.get("/artifacts") { request, _ in try await page(request) { try artifactsPage($0) } }
        router.get("/artifacts/{app}/{digest}") { request, context in
            try await page(request) {
                try await artifactPage(
                    app: try context.parameters.require("app"), digest: try context.parameters.require("digest"), $0)
            }
        }
    }

    // MARK: Sessions

    private func session(_ request: Request) -> DashboardSessions.Session? {
        services.sessions.session(request.cookies[Self.cookie]?.value)
    }

    /// A page for a signed-in user; others go to the sign-in page.
    private func page(_ request: Request, _ render: (DashboardSessions.Session) async throws -> Response)
        async throws -> Response
    {
        guard let session = session(request) else { return HTMLPage.redirect("/login") }
        return try await render(session)
    }

    private func loginPage(message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let error = message.map { "<p class=\"error\" role=\"alert\">\(HTMLPage.escape($0))</p>" } ?? ""
        return HTMLPage.render(
            title: "Sign in", session: nil,
            body: """
                \(error)
                <form method="post" action="/login">
                  <label for="token">API token (from <code>gantry tokens create</code>)</label>
                  <input id="token" name="token" type="password" autocomplete="off" size="60" required>
                  <button type="submit">Sign in</button>
                </form>
                """, status: status)
    }

    private func signIn(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        if let delay = services.sessions.signInDelay(context.clientAddress) {
            var response = loginPage(
                message: "Too many failed sign-ins; try again in \(delay) s.", status: .tooManyRequests)
            response.headers[.retryAfter] = String(delay)
            return response
        }
        let form = try await FormBody.read(request)
        let verdict = try await TokenAuthenticator(tokens: services.state, cache: services.tokenCache)
            .verify((form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        switch verdict {
        case .failure(let refusal):
            services.sessions.recordFailure(context.clientAddress)
            return loginPage(message: "Not signed in: \(refusal.reason).", status: .unauthorized)
        case .success(let verified):
            let started = services.sessions.start(verified.principal, tokenExpiry: verified.expires)
            let maxAge = Int(started.session.expires.timeIntervalSinceNow)
            return HTMLPage.redirect(
                "/runs", cookie: "\(Self.cookie)=\(started.id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)")
        }
    }

    private func signOut(_ request: Request) async throws -> Response {
        let form = try await FormBody.read(request)
        if let session = session(request), WebhookSignature.verifyToken(form["csrf"], secret: session.csrf) {
            services.sessions.end(request.cookies[Self.cookie]?.value)
        }
        return HTMLPage.redirect("/login", cookie: "\(Self.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }

    // MARK: Pages

    private func runsPage(_ session: DashboardSessions.Session) async throws -> Response {
        let runs = try await services.state.runs(RunQuery(limit: 50))
        let waiting = try await services.state.queuedRuns(statuses: [.queued, .started], limit: 20)
        var body = ""
        if !waiting.isEmpty {
            body += "<h2>Queue</h2><table><caption class=\"sr\">Runs waiting or starting</caption>"
            body += "<tr><th scope=\"col\">Project</th><th scope=\"col\">Commit</th><th scope=\"col\">Event</th>"
            body += "<th scope=\"col\">Status</th><th scope=\"col\">Queued</th></tr>"
            for entry in waiting {
                body +=
                    "<tr><td>\(HTMLPage.escape(entry.project))</td><td><code>\(entry.commitSHA.prefix(12))</code></td>"
                body += "<td>\(HTMLPage.escape(entry.event))</td><td>\(HTMLPage.badge(entry.status.rawValue))</td>"
                body += "<td>\(HTMLPage.time(entry.queuedAt))</td></tr>"
            }
            body += "</table>"
        }
        body += "<table aria-label=\"Runs, newest first\"><tr><th scope=\"col\">Run</th><th scope=\"col\">Pipeline</th>"
        body += "<th scope=\"col\">Status</th><th scope=\"col\">Commit</th><th scope=\"col\">Branch</th>"
        body += "<th scope=\"col\">Started</th><th scope=\"col\">Duration</th></tr>"
        for run in runs {
            body += "<tr><td><a href=\"/runs/\(HTMLPage.escape(run.id))\">\(HTMLPage.escape(run.id))</a></td>"
            body += "<td>\(HTMLPage.escape(run.pipelineName))</td><td>\(HTMLPage.badge(run.status.rawValue))</td>"
            body += "<td><code>\(HTMLPage.escape(String((run.commitSHA ?? "").prefix(12))))</code></td>"
            body += "<td>\(HTMLPage.escape(run.branch ?? ""))</td><td>\(HTMLPage.time(run.startedAt))</td>"
            body += "<td>\(run.durationMs.map { "\(Double($0) / 1000) s" } ?? "")</td></tr>"
        }
        if runs.isEmpty { body += "<tr><td colspan=\"7\">No runs yet.</td></tr>" }
        body += "</table>"
        return HTMLPage.render(title: "Runs", session: session, body: body)
    }

    private func runPage(_ id: String, _ session: DashboardSessions.Session) async throws -> Response {
        guard let run = try await services.state.run(matching: id) else {
            return HTMLPage.render(
                title: "No such run", session: session, body: "<p>No run '\(HTMLPage.escape(id))'.</p>",
                status: .notFound)
        }
        let jobs = try await services.state.jobs(runID: run.id)
        var body = "<p>\(HTMLPage.badge(run.status.rawValue)) \(HTMLPage.escape(run.pipelineName))"
        body += " on <code>\(HTMLPage.escape(run.commitSHA ?? "no commit"))</code>"
        body += run.branch.map { " (\(HTMLPage.escape($0)))" } ?? ""
        body += ", started \(HTMLPage.time(run.startedAt))</p>"
        let graph = try await services.state.runGraph(runID: run.id)
        let states = run.status == .running ? services.liveLogs.jobStates(runID: run.id) : [:]
        if let graph { body += "<h2>Jobs</h2>" + RunGraphSVG.svg(graph: graph, jobs: jobs, states: states) }
        let timeline = RunTimeline.svg(jobs: jobs)
        if !timeline.isEmpty { body += "<h2>Timeline</h2>" + timeline }
        body += "<table aria-label=\"Jobs\"><tr><th scope=\"col\">Job</th><th scope=\"col\">Status</th>"
        body += "<th scope=\"col\">Attempts</th><th scope=\"col\">Duration</th><th scope=\"col\">Cache</th>"
        body += "<th scope=\"col\">Reason</th></tr>"
        for job in jobs {
            body += "<tr><td>\(HTMLPage.escape(job.name))</td><td>\(HTMLPage.badge(job.status.rawValue))</td>"
            body += "<td>\(job.attempts)</td><td>\(Double(job.durationMs) / 1000) s</td>"
            body += "<td>\(HTMLPage.escape(job.cache ?? ""))</td><td>\(HTMLPage.escape(job.reason ?? ""))</td></tr>"
        }
        // Planned jobs not recorded yet: running (as the live events say) or waiting.
        let recorded = Set(jobs.map(\.name))
        for node in graph ?? [] where !recorded.contains(node.name) {
            let state = states[node.name] ?? (run.status == .running ? "waiting" : "not run")
            body += "<tr><td>\(HTMLPage.escape(node.name))</td><td>\(HTMLPage.badge(state))</td>"
            body += "<td></td><td></td><td></td><td></td></tr>"
        }
        body += "</table>"
        // Output as it is printed, while this server runs it (the log files hold it afterwards).
        let live = run.status == .running && services.liveLogs.knows(run.id)
        if live {
            body += """
                <h2>Output</h2>
                <noscript><p>Live output needs JavaScript; reload the page to see the jobs' progress.</p></noscript>
                <pre id="live" data-run="\(HTMLPage.escape(run.id))" aria-live="polite" aria-label="Live output"></pre>
                <script src="/assets/live.js"></script>
                """
        }
        if !live {
            body += RunOutputHTML.render(
                logDirectory: services.dataDirectory.appendingPathComponent("logs/\(run.id)"), jobs: jobs)
        }
        return HTMLPage.render(title: "Run \(run.id)", session: session, body: body, script: live)
    }

    /// Pass rate, durations and retries over the newest runs, per pipeline and job.
    private func healthPage(_ session: DashboardSessions.Session) async throws -> Response {
        let window = 200
        let runs = try await services.state.runs(limit: window)
        let outcomes = try await services.state.jobOutcomes(runIDs: runs.map(\.id))
        return HTMLPage.render(
            title: "Pipeline health", session: session,
            body: PipelineHealthPage.html(PipelineHealth.summarize(runs: runs, outcomes: outcomes), window: window))
    }

    private func board(_ session: DashboardSessions.Session, message: String?) async throws -> Response {
        // Packed apps have rows too (promote their first release from here); audit checkpoints are no app.
        let packed = (try? services.gantry.artifacts(create: false).list()) ?? []
        let rows = try await ReleaseStatus.rows(
            state: services.state, environments: services.configuration.environmentOrder, everyEnvironment: true,
            apps: Set(packed.map(\.app)).subtracting([AuditCheckpoint.app]))
        let user = session.principal.user
        let releaser = session.principal.role >= .releaser
        var body = message.map { "<p class=\"error\" role=\"alert\">\(HTMLPage.escape($0))</p>" } ?? ""
        body += "<table aria-label=\"Environments board\" id=\"board\"><tr><th scope=\"col\">App</th>"
        body += "<th scope=\"col\">Environment</th><th scope=\"col\">Digest</th><th scope=\"col\">Tag</th>"
        body += "<th scope=\"col\">Commit</th><th scope=\"col\">Deployed</th><th scope=\"col\">By</th>"
        body +=
            "<th scope=\"col\">Last known good</th><th scope=\"col\">Pending</th><th scope=\"col\">Actions</th></tr>"
        for row in rows {
            let (app, environment, pointer, pending) = (row.app, row.environment, row.pointer, row.open)
            let permissions = services.configuration.permissions(for: environment)
            body += "<tr data-app=\"\(HTMLPage.escape(app))\" data-environment=\"\(HTMLPage.escape(environment))\">"
            body += "<td>\(HTMLPage.escape(app))</td><td>\(HTMLPage.escape(environment))</td>"
            if let pointer {
                body +=
                    "<td><a href=\"/artifacts/\(HTMLPage.escape(app))/\(HTMLPage.escape(pointer.digest.description))\">"
                body += "<code class=\"digest\">\(HTMLPage.escape(pointer.digest.short))</code></a></td>"
                body += "<td>\(HTMLPage.escape(pointer.tag ?? ""))</td>"
                body += "<td><code>\(HTMLPage.escape(String((pointer.commit ?? "").prefix(12))))</code></td>"
                body += "<td>\(HTMLPage.time(pointer.deployedAt)) (\(HTMLPage.age(pointer.deployedAt)))</td>"
                body += "<td>\(HTMLPage.escape(pointer.deployedBy))</td>"
                body += "<td><code>\(HTMLPage.escape(pointer.lastKnownGood?.short ?? ""))</code></td><td>"
            } else {
                body += "<td colspan=\"6\">never deployed</td><td>"
            }
            if let pending {
                body += "\(HTMLPage.badge(pending.status.rawValue)) \(HTMLPage.escape(pending.digest.short))"
                body += " by \(HTMLPage.escape(pending.requestedBy))"
                if pending.status == .awaitingApproval {
                    body += " (\(row.approvalsGiven)/\(pending.approvalsRequired) approvals)"
                }
                if releaser && pending.status == .awaitingApproval && permissions.allows(.approve, user: user) {
                    body += """
                        <form method="post" action="/environments/approve" class="cell">
                          <input type="hidden" name="csrf" value="\(session.csrf)">
                          <input type="hidden" name="promotion" value="\(HTMLPage.escape(pending.id))">
                          <label for="totp-\(HTMLPage.escape(pending.id))">TOTP code (if required)</label>
                          <input id="totp-\(HTMLPage.escape(pending.id))" name="totp" inputmode="numeric" size="8">
                          <button type="submit">Approve \(HTMLPage.escape(pending.id))</button>
                        </form>
                        """
                }
            }
            body += "</td><td>"
            if releaser && pointer != nil && permissions.allows(.rollback, user: user) {
                let field = "reason-\(HTMLPage.escape(app))-\(HTMLPage.escape(environment))"
                body += """
                    <form method="post" action="/environments/rollback" class="cell">
                      <input type="hidden" name="csrf" value="\(session.csrf)">
                      <input type="hidden" name="app" value="\(HTMLPage.escape(app))">
                      <input type="hidden" name="environment" value="\(HTMLPage.escape(environment))">
                      <label for="\(field)">Reason</label>
                      <input id="\(field)" name="reason" required size="18">
                      <button type="submit">Roll back</button>
                    </form>
                    """
            }
            if releaser && pending == nil && permissions.allows(.promote, user: user) {
                body += promoteForm(row, rows: rows, session: session)
            }
            body += "</td></tr>"
        }
        if rows.isEmpty { body += "<tr><td colspan=\"10\">Nothing deployed yet.</td></tr>" }
        body += "</table>"
        return HTMLPage.render(title: "Environments", session: session, body: body)
    }

    /// Promote into `row`'s environment what another environment runs (one option each), or a digest.
    private func promoteForm(_ row: StatusRow, rows: [StatusRow], session: DashboardSessions.Session) -> String {
        let sources = rows.filter { $0.app == row.app && $0.environment != row.environment && $0.pointer != nil }
        let key = "\(HTMLPage.escape(row.app))-\(HTMLPage.escape(row.environment))"
        var options = "<option value=\"\">a digest below</option>"
        for source in sources {
            let digest = source.pointer?.digest.short ?? ""
            options +=
                "<option value=\"\(HTMLPage.escape(source.environment))\">\(HTMLPage.escape(source.environment)) (\(HTMLPage.escape(digest)))</option>"
        }
        return """
            <details><summary>Promote to \(HTMLPage.escape(row.environment))…</summary>
            <form method="post" action="/environments/promote" class="cell">
              <input type="hidden" name="csrf" value="\(session.csrf)">
              <input type="hidden" name="app" value="\(HTMLPage.escape(row.app))">
              <input type="hidden" name="environment" value="\(HTMLPage.escape(row.environment))">
              <label for="from-\(key)">From</label>
              <select id="from-\(key)" name="from">\(options)</select>
              <label for="digest-\(key)">Digest</label>
              <input id="digest-\(key)" name="digest" size="18" placeholder="sha256:… or tag">
              <label for="why-\(key)">Reason</label>
              <input id="why-\(key)" name="reason" size="18">
              <button type="submit">Promote to \(HTMLPage.escape(row.environment))</button>
            </form></details>
            """
    }

    private func artifactsPage(_ session: DashboardSessions.Session) throws -> Response {
        let artifacts = try ArtifactRoutes(services: services).list(app: nil)
        var body = "<table aria-label=\"Artifacts, newest build first\"><tr><th scope=\"col\">Artifact</th>"
        body += "<th scope=\"col\">Tags</th><th scope=\"col\">Commit</th><th scope=\"col\">Built</th>"
        body += "<th scope=\"col\">Size</th></tr>"
        for item in artifacts.prefix(200) {
            let link = "/artifacts/\(HTMLPage.escape(item.artifact.app))/\(item.artifact.digest.description)"
            body += "<tr><td><a href=\"\(link)\">\(HTMLPage.escape(item.artifact.app))@"
            body += "\(HTMLPage.escape(item.artifact.digest.short))</a></td>"
            body += "<td>\(HTMLPage.escape(item.artifact.tags.joined(separator: ", ")))</td>"
            body += "<td><code>\(HTMLPage.escape(String((item.origin.commit ?? "").prefix(12))))</code>"
            body += "\(item.origin.branch.map { " (\(HTMLPage.escape($0)))" } ?? "")</td>"
            body +=
                "<td>\(HTMLPage.escape(item.origin.builtAt ?? ""))</td><td>\(item.origin.contentSize) bytes</td></tr>"
        }
        if artifacts.isEmpty { body += "<tr><td colspan=\"5\">Nothing packed yet.</td></tr>" }
        body += "</table>"
        return HTMLPage.render(title: "Artifacts", session: session, body: body)
    }

    private func artifactPage(app: String, digest: String, _ session: DashboardSessions.Session) async throws
        -> Response
    {
        let detail: ArtifactRoutes.Detail
        do {
            detail = try await ArtifactRoutes(services: services).detail(app: app, digest: digest)
        } catch let error as APIError {
            return HTMLPage.render(
                title: "No such artifact", session: session, body: "<p>\(HTMLPage.escape(error.message))</p>",
                status: error.status)
        }
        let origin = detail.summary.origin
        var body = "<p><code>\(HTMLPage.escape(detail.summary.artifact.digest.description))</code></p><dl>"
        body += "<dt>Tags</dt><dd>\(HTMLPage.escape(detail.summary.artifact.tags.joined(separator: ", ")))</dd>"
        body += "<dt>Commit</dt><dd><code>\(HTMLPage.escape(origin.commit ?? "none recorded"))</code>"
        body += "\(origin.branch.map { " on \(HTMLPage.escape($0))" } ?? "")"
        body += "\(origin.treeState.map { ", \(HTMLPage.escape($0)) tree" } ?? "")</dd>"
        body += "<dt>Built</dt><dd>\(HTMLPage.escape(origin.builtAt ?? "unknown"))</dd></dl>"
        body += "<h2>Checks</h2><table aria-label=\"Signature and seal checks\"><tr><th scope=\"col\">Check</th>"
        body += "<th scope=\"col\">Result</th><th scope=\"col\">Detail</th></tr>"
        for check in detail.checks {
            body +=
                "<tr><td>\(HTMLPage.escape(check.name))</td><td>\(HTMLPage.badge(check.passed ? "success" : "failure"))</td>"
            body += "<td>\(HTMLPage.escape(check.detail))</td></tr>"
        }
        body += "</table><h2>Deployed</h2>"
        body +=
            detail.deployed.isEmpty
            ? "<p>Not deployed anywhere now.</p>"
            : "<ul>"
                + detail.deployed.map {
                    "<li>\(HTMLPage.escape($0.environment)) since \(HTMLPage.time($0.deployedAt)) by \(HTMLPage.escape($0.deployedBy))</li>"
                }.joined() + "</ul>"
        body += "<h2>Policy decisions</h2>"
        if detail.decisions.isEmpty {
            body += "<p>No promotion gate has evaluated this digest yet.</p>"
        }
        for decision in detail.decisions {
            let report = decision.report
            body +=
                "<h3>\(HTMLPage.escape(report.environment)) \(HTMLPage.badge(report.passed ? "passed" : "failed"))</h3>"
            body += "<p>Decided \(HTMLPage.escape(report.decidedAt)), "
            body += decision.signed ? "signed with a trusted key." : "<strong>not signed by a trusted key</strong>."
            body +=
                "</p><table class=\"policy\" aria-label=\"Policy rules for \(HTMLPage.escape(report.environment))\">"
            body += "<tr><th scope=\"col\">Rule</th><th scope=\"col\">Outcome</th><th scope=\"col\">Detail</th></tr>"
            for rule in report.rules {
                let tone = rule.outcome == "pass" ? "success" : rule.outcome == "waived" ? "waived" : "failure"
                body += "<tr><td>\(HTMLPage.escape(rule.rule))</td><td>\(HTMLPage.badge(tone))</td>"
                body += "<td>\(HTMLPage.escape(rule.detail))</td></tr>"
            }
            body += "</table>"
            if !report.waivers.isEmpty {
                body += "<p>Waivers used: \(HTMLPage.escape(report.waivers.joined(separator: "; ")))</p>"
            }
        }
        body += "<h2>SBOM (\(detail.components.count) components)</h2>"
        body += "<table id=\"sbom\" aria-label=\"SBOM components\"><tr><th scope=\"col\">Name</th>"
        body += "<th scope=\"col\">Version</th><th scope=\"col\">Package URL</th></tr>"
        for component in detail.components.prefix(2000) {
            body += "<tr><td>\(HTMLPage.escape(component.name))</td><td>\(HTMLPage.escape(component.version))</td>"
            body += "<td><code>\(HTMLPage.escape(component.purl))</code></td></tr>"
        }
        body += "</table>"
        return HTMLPage.render(
            title: "\(detail.summary.artifact.app)@\(detail.summary.artifact.digest.short)", session: session,
            body: body)
    }

    private func auditPage(_ session: DashboardSessions.Session) async throws -> Response {
        let verification = try await services.state.verifyAudit()
        let entries = try await services.state.auditEntries(subjectPrefix: nil, limit: 100)
        var body =
            verification.isIntact
            ? "<p>\(HTMLPage.badge("success")) The chain of \(verification.count) entries verifies; head <code>\(verification.headHash.prefix(16))</code>.</p>"
            : "<p class=\"error\" role=\"alert\">The audit log does not verify: \(HTMLPage.escape(verification.problems.joined(separator: "; ")))</p>"
        body +=
            "<table id=\"audit\" aria-label=\"Audit log, newest first\"><tr><th scope=\"col\">#</th><th scope=\"col\">Time</th>"
        body += "<th scope=\"col\">Actor</th><th scope=\"col\">Action</th><th scope=\"col\">Subject</th>"
        body += "<th scope=\"col\">Details</th></tr>"
        for entry in entries {
            let details = entry.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: " ")
            body += "<tr><td>\(entry.sequence)</td><td>\(HTMLPage.time(entry.timestamp))</td>"
            body += "<td>\(HTMLPage.escape(entry.actor))</td><td>\(HTMLPage.escape(entry.action))</td>"
            body += "<td>\(HTMLPage.escape(entry.subject))</td><td>\(HTMLPage.escape(details))</td></tr>"
        }
        body += "</table>"
        return HTMLPage.render(title: "Audit", session: session, body: body)
    }

    // MARK: Actions

    /// Approve or roll back from the board: a signed-in releaser, the session's CSRF token, the
    /// environment's rules. The answer is the board again, with what happened.
    private func act(_ request: Request, _ action: EnvironmentPermissions.Action) async throws -> Response {
        guard let session = session(request) else { return HTMLPage.redirect("/login") }
        let form = try await FormBody.read(request)
        guard WebhookSignature.verifyToken(form["csrf"], secret: session.csrf) else {
            return HTMLPage.render(
                title: "Refused", session: session,
                body: "<p class=\"error\" role=\"alert\">The form is stale or came from another site (CSRF check).</p>",
                status: .forbidden)
        }
        guard session.principal.role >= .releaser else {
            return try await board(session, message: "Promoting, approving and rolling back need the releaser role.")
        }
        let workspace = ReleaseWorkspace(services: services, logger: logger)
        do {
            switch action {
            case .approve:
                guard let id = form["promotion"], let record = try await services.state.promotion(id: id) else {
                    return try await board(session, message: "No such promotion.")
                }
                let totp = form["totp"].flatMap { $0.isEmpty ? nil : $0 }
                _ = try await workspace.approve(record, user: session.principal.user, totp: totp)
                return try await board(session, message: "Approved \(id).")
            case .rollback:
                let app = form["app"] ?? ""
                let environment = form["environment"] ?? ""
                let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !reason.isEmpty else { return try await board(session, message: "Say why you roll back.") }
                try workspace.allow(.rollback, user: session.principal.user, environment: environment)
                let started = try await RollbackStarter(services: services, logger: logger).start(
                    project: try workspace.project(nil), app: app, environment: environment, to: nil, reason: reason,
                    force: false, actor: session.principal.user)
                return try await board(session, message: "Rolling back \(app) in \(environment): \(started.id).")
            case .promote:
                let app = form["app"] ?? ""
                let environment = form["environment"] ?? ""
                let from = form["from"].flatMap { $0.isEmpty ? nil : $0 }
                let digest = form["digest"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap {
                    $0.isEmpty ? nil : $0
                }
                guard (from == nil) != (digest == nil) else {
                    return try await board(session, message: "Choose an environment to promote from, or give a digest.")
                }
                try workspace.allow(.promote, user: session.principal.user, environment: environment)
                let reason = form["reason"].flatMap { $0.isEmpty ? nil : $0 }
                let started = try await PromotionStarter(services: services, logger: logger).start(
                    project: try workspace.project(nil), app: app, environment: environment,
                    source: digest.map { .digest($0) } ?? .environment(from ?? ""), reason: reason, irreversible: nil,
                    actor: session.principal.user)
                return try await board(session, message: "Promoting \(app) to \(environment): \(started.id).")
            }
        } catch {
            let apiError = ReleaseTasks.apiError(error, logger: logger)
            return try await board(session, message: apiError.message)
        }
    }
}
