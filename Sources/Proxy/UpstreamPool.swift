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
                    // Requests are encoded (their headers were checked where they came in, see
                    // ReverseProxy.listen); responses are read as bytes (ResponseFramer).
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestEncoder())
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(allocator: channel.allocator))
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
    func upstreamHead(_ head: ResponseFramer.Head)
    func upstreamBody(_ body: ByteBuffer)
    /// The response ended; `reusable` is false when the release sent bytes after it.
    func upstreamEnd(reusable: Bool)
    /// The release switched protocols (101): the connection is about to become a tunnel.
    func upstreamSwitched()
    func upstreamReadComplete()
    func upstreamClosed()
    func upstreamWritabilityChanged(_ writable: Bool)
}

/// The last handler of an upstream connection: reads the release's responses (`ResponseFramer`) and
/// passes them to the request that uses the connection now (none while it is idle in the pool).
final class UpstreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = HTTPClientRequestPart

    weak var delegate: (any UpstreamDelegate)?
    private var framer: ResponseFramer
    /// The bytes that followed a 101: handed on to the tunnel when this handler leaves.
    private var leftover: ByteBuffer?

    init(allocator: ByteBufferAllocator) {
        framer = ResponseFramer(allocator: allocator)
    }

    /// A request was written on the connection: its response is read next.
    func expectResponse(toHead: Bool, dechunk: Bool) {
        framer.expectResponse(toHead: toHead, dechunk: dechunk)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        do {
            while let event = try framer.next(&buffer) {
                switch event {
                case .head(let head): delegate?.upstreamHead(head)
                case .body(let body): delegate?.upstreamBody(body)
                case .end:
                    // Bytes after a response answer nothing: the connection is not used again.
                    let reusable = buffer.readableBytes == 0
                    delegate?.upstreamEnd(reusable: reusable)
                    if !reusable {
                        context.close(promise: nil)
                        return
                    }
                case .switched:
                    leftover = buffer
                    delegate?.upstreamSwitched()
                    return
                }
            }
        } catch {
            // A malformed response: the request using the connection fails as if it had closed.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let leftover, leftover.readableBytes > 0 {
            self.leftover = nil
            context.fireChannelRead(wrapInboundOut(leftover))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A body framed by the connection's end is complete now.
        if framer.endsAtClose { delegate?.upstreamEnd(reusable: false) }
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
