import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive connections to releases, one pool per event loop (a request's upstream connection
/// lives on the loop of its client connection: no hop between threads). Used only on its loop.
final class UpstreamPool {
    private var idle: [String: [any Channel]] = [:]
    private let eventLoop: any EventLoop
    /// Idle connections kept per release; more are closed when they come back.
    let maximumIdle: Int
    let connectTimeout: TimeAmount

    init(eventLoop: any EventLoop, maximumIdle: Int = 128, connectTimeout: TimeAmount = .seconds(2)) {
        self.eventLoop = eventLoop
        self.maximumIdle = maximumIdle
        self.connectTimeout = connectTimeout
    }

    private static func key(_ host: String, _ port: Int) -> String { "\(host):\(port)" }

    /// An idle connection to `host:port` (unless `fresh`), or a new one. `reused` says which (a reused connection the
    /// release closed meanwhile fails without an answer, and the request may be retried).
    func acquire(host: String, port: Int, fresh: Bool = false) -> EventLoopFuture<(channel: any Channel, reused: Bool)>
    {
        let key = Self.key(host, port)
        while !fresh, var channels = idle[key], let channel = channels.popLast() {
            idle[key] = channels
            if channel.isActive { return eventLoop.makeSucceededFuture((channel, true)) }
        }
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .connect(host: host, port: port)
            .map { ($0, false) }
    }

    /// Returns a connection whose last exchange ended cleanly and may be reused.
    func release(_ channel: any Channel, host: String, port: Int) {
        let key = Self.key(host, port)
        guard channel.isActive, idle[key, default: []].count < maximumIdle else {
            channel.close(promise: nil)
            return
        }
        idle[key, default: []].append(channel)
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        for channels in idle.values { for channel in channels { channel.close(promise: nil) } }
        idle.removeAll()
    }
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
