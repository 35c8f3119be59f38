public import Composition
import Foundation
import GantryCore
public import Hummingbird
import HummingbirdWebSocket
public import Logging
import StateModel
import Store

/// `gantry serve`: the HTTP API, the webhooks and the run workers over one composition root.
public struct GantryServer: Sendable {
    public let services: ServerServices
    public let logger: Logger

    public init(services: ServerServices, logger: Logger) {
        self.services = services
        self.logger = logger
    }

    /// The router with every route and middleware (tests drive it in-process).
    public func router() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        let table = RouteTable()
        router.middlewares.add(RequestMetricsMiddleware(metrics: services.metrics))
        router.middlewares.add(ErrorMiddleware(routes: table))
        router.middlewares.add(TokenAuthenticator(tokens: services.state, cache: services.tokenCache))
        OperationsRoutes(services: services).add(to: router)
        OpenAPIRoute().add(to: router)
        StateRoutes(services: services).add(to: router)
        RunsRoutes(services: services).add(to: router)
        TokenRoutes(services: services).add(to: router)
        WebhookRoutes(services: services).add(to: router)
        PromotionRoutes(services: services, logger: logger).add(to: router)
        AlertmanagerRoute(services: services, logger: logger).add(to: router)
        DashboardRoutes(services: services, logger: logger).add(to: router)
        NotificationRoutes(services: services).add(to: router)
        LiveScript.add(to: router)
        ArtifactRoutes(services: services).add(to: router)
        AdministrationRoutes(services: services).add(to: router)
        table.set(router.routes.map { (path: "\($0.path)", method: $0.method.rawValue) })
        return router
    }

    /// Closes what a previous server left open (runs it was executing are `interrupted`; queued runs
    /// stay queued and resume), then answers on `host:port` with the run workers alongside, until
    /// SIGTERM or SIGINT: then it stops accepting, drains requests, lets runs finish within the grace
    /// period, cancels the rest, and returns.
    public func application(host: String, port: Int, onStart: (@Sendable (Int) async -> Void)? = nil) async throws
        -> some ApplicationProtocol
    {
        let interrupted = try await services.state.interruptStartedRuns(at: Date())
        // Worktrees a stopped server left behind: nothing runs in them any more.
        try? FileManager.default.removeItem(at: services.dataDirectory.appendingPathComponent("worktrees"))
        for entry in interrupted {
            logger.warning(
                "a run was interrupted by the last server stop; queue it again to re-run",
                metadata: ["queue": .string(entry.id), "project": .string(entry.project)])
        }
        let services = services
        var application = Application(
            router: router(),
            server: .http1WebSocketUpgrade { request, _, _ in LiveLogSocket.shouldUpgrade(request, services: services)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "gantry"),
            onServerRunning: { channel in await onStart?(channel.localAddress?.port ?? port) },
            logger: logger)
        application.addServices(RunWorker(services: services, logger: logger))
        application.addServices(OutboxWorker(services: services, logger: logger))
        return application
    }

    /// Opens the state and builds the server's services from the composition root.
    public static func services(configuration: ServerConfiguration, gantry: GantryServices) throws -> ServerServices {
        ServerServices(configuration: configuration, gantry: gantry, state: try gantry.repositories())
    }
}
