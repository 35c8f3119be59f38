import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Gantry's HTTP/1.1 reverse proxy: routes each request to a release by the route table's weights
/// (with the `X-Gantry-Canary` override and optional sticky cookies), keeps connections to releases
/// alive, streams bodies both ways with backpressure, adds `X-Forwarded-For/-Proto/-Host`, and counts
/// per release what the rollout analysis reads. Changing the routes never drops a request: new
/// requests follow the new weights, requests in flight finish on the release that took them.
public final class ReverseProxy: Sendable {
    public let routes: RouteTable
    private let group: MultiThreadedEventLoopGroup
    private let pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamPool>]
    private let channels = Mutex<[any Channel]>([])

    /// - Parameter threads: event loops (default: one per core).
    public init(routes: RouteTable, threads: Int = System.coreCount) {
        self.routes = routes
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        var pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamPool>] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                UpstreamPool(eventLoop: loop), eventLoop: loop)
        }
        self.pools = pools
    }

    /// Starts listening for clients on `host:port` (0 picks a free port); returns the port bound.
    /// A `preview` listener sends every request to the canary release (to the stable one when there is
    /// none), as a blue/green preview service does.
    public func listen(host: String, port: Int, preview: Bool = false) async throws -> Int {
        let routes = self.routes
        let pools = self.pools
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let pool = pools[ObjectIdentifier(channel.eventLoop)]?.value else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    // Pipelined requests are queued, and requests the parser refuses answered with 400, by
                    // the proxy handler itself (see ProxyServerHandler).
                    // No outbound header validation: every header it writes was parsed (and checked) by
                    // the strict HTTP/1.1 parser of one side or is the proxy's own (checked once, when
                    // the routes change); checking each again on the way out cost 3% of its time.
                    // Responses from releases are written as they came, below the encoder.
                    let bytes = ClientBytes()
                    try channel.pipeline.syncOperations.addHandler(bytes)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyServerHandler(routes: routes, pool: pool, bytes: bytes, preview: preview))
                }
            }
            .bind(host: host, port: port).get()
        channels.withLock { $0.append(channel) }
        return channel.localAddress?.port ?? port
    }

    /// Starts an admin listener: `GET /metrics` (Prometheus text: per-release requests, 5xx,
    /// failures and latency histogram) and `GET /routes` (the current routes as JSON).
    public func listenAdmin(host: String, port: Int) async throws -> Int {
        let routes = self.routes
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ProxyAdminHandler(routes: routes))
                }
            }
            .bind(host: host, port: port).get()
        channels.withLock { $0.append(channel) }
        return channel.localAddress?.port ?? port
    }

    /// Stops listening, closes idle upstream connections and stops the event loops.
    public func shutdown() async {
        for channel in channels.withLock({ $0 }) { try? await channel.close() }
        for pool in pools.values {
            try? await pool.eventLoop.submit { pool.value.closeAll() }.get()
        }
        try? await group.shutdownGracefully()
    }
}
