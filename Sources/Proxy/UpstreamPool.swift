import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive connections to releases, one pool per event loop (a request's upstream connection
/// lives on the loop of its client connection: no hop between threads). Used only on its loop.
final class UpstreamPool {
    private var idle: [String: [UpstreamConnection]] = [:]
    private let eventLoop: any EventLoop
    /// Idle connections kept per release; more are closed when they come back.
    let maximumIdle: Int
    let connectTimeout: TimeAmount

    init(eventLoop: any EventLoop, maximumIdle: Int = 128, connectTimeout: TimeAmount = .seconds(2)) {
        self.eventLoop = eventLoop
        self.maximumIdle = maximumIdle
        self.connectTimeout = connectTimeout
    }

    static func key(_ host: String, _ port: Int) -> String { "\(host):\(port)" }

    /// An idle, still open connection to `key`, if there is one (the common case, without a future).
    func takeIdle(_ key: String) -> UpstreamConnection? {
        while var connections = idle[key], let connection = connections.popLast() {
            idle[key] = connections
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    /// A new connection to `host:port`.
    func connect(host: String, port: Int) -> EventLoopFuture<UpstreamConnection> {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Bytes after a 101 response belong to the upgraded protocol: kept for the tunnel.
                    // Headers are checked where they come in (see ReverseProxy.listen), not again here.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes, enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                UpstreamConnection(
                    channel: channel, handler: try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self))
            }
    }

    /// Returns a connection whose last exchange ended cleanly and may be reused.
    func release(_ connection: UpstreamConnection, key: String) {
        connection.handler.delegate = nil
        guard connection.channel.isActive, idle[key, default: []].count < maximumIdle else {
            connection.channel.close(promise: nil)
            return
        }
        idle[key, default: []].append(connection)
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        for connections in idle.values { for connection in connections { connection.channel.close(promise: nil) } }
        idle.removeAll()
    }
}

/// A connection to a release and the handler at its end (kept together: looking the handler up in
/// the pipeline for every request would cost a walk of it).
struct UpstreamConnection {
    let channel: any Channel
    let handler: UpstreamHandler
}

/// What an upstream connection reports to the request using it.
protocol UpstreamDelegate: AnyObject {
    func upstreamRead(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamClosed()
    func upstreamWritabilityChanged(_ writable: Bool)
}

/// The last handler of an upstream connection: passes the release's response to the request that
/// uses the connection now (none while it is idle in the pool).
final class UpstreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    weak var delegate: (any UpstreamDelegate)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        delegate?.upstreamRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamClosed()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
