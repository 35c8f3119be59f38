import NIOCore
import NIOHTTP1

/// One client connection: each request is sent to the release the route table picks, over a
/// keep-alive connection from the pool, with its body and the response streamed both ways.
///
/// A request that got no answer because its connection was refused or closed before the response
/// began is retried once on another release when it had no body (so a killed release costs no
/// request that could be replayed); otherwise the client gets a 502. A response that breaks off
/// half-way closes the client connection (its framing cannot be completed honestly).
final class ProxyServerHandler: ChannelInboundHandler, RemovableChannelHandler, UpstreamDelegate {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: RouteTable
    private let pool: UpstreamPool
    private var context: ChannelHandlerContext?

    /// The request being proxied (one at a time: the pipelining handler before this one holds back
    /// the next request until this response ended).
    private struct Exchange {
        var head: HTTPRequestHead
        var choice: RouteTable.Choice
        var override: String?
        var cookie: String?
        /// Parts not yet written to the upstream connection (before it connects).
        var pending: [HTTPClientRequestPart] = []
        var upstream: (any Channel)?
        var reused = false
        var hadBody = false
        var requestEnded = false
        var responseStatus: Int?
        var responseKeepAlive = true
        var clientKeepAlive: Bool
        /// Attempts on fresh connections (a reused connection the release had closed is retried on a
        /// fresh one without counting).
        var attempts = 1
        var fresh = false
        let started = ContinuousClock.now
    }

    private var exchange: Exchange?

    init(routes: RouteTable, pool: UpstreamPool) {
        self.routes = routes
        self.pool = pool
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: - From the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            begin(head, context: context)
        case .body(let buffer):
            guard exchange != nil else { return }
            exchange?.hadBody = true
            send(.body(.byteBuffer(buffer)))
        case .end(let trailers):
            guard exchange != nil else { return }
            exchange?.requestEnded = true
            send(.end(trailers))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The client went away: the upstream connection is mid-exchange and cannot be reused.
        if let upstream = exchange?.upstream {
            detach(upstream)
            upstream.close(promise: nil)
        }
        exchange = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Backpressure: stop reading the release while the client cannot take more.
        if let upstream = exchange?.upstream {
            _ = upstream.setOption(.autoRead, value: context.channel.isWritable)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let override = head.headers.first(name: ProxyRoutes.overrideHeader)
        let cookie = routes.routes.stickyCookie.flatMap { Self.cookie(named: $0, in: head.headers) }
        guard let choice = routes.choose(override: override, cookie: cookie) else {
            respond(503, "no release is serving this environment\n", keepAlive: head.isKeepAlive, context: context)
            return
        }
        var upstreamHead = head
        upstreamHead.version = .http1_1
        Self.removeHopByHop(&upstreamHead.headers)
        let address = context.channel.remoteAddress?.ipAddress
        if let address {
            let previous = head.headers[canonicalForm: "X-Forwarded-For"].joined(separator: ", ")
            upstreamHead.headers.replaceOrAdd(
                name: "X-Forwarded-For", value: previous.isEmpty ? address : "\(previous), \(address)")
        }
        if !head.headers.contains(name: "X-Forwarded-Proto") {
            upstreamHead.headers.replaceOrAdd(name: "X-Forwarded-Proto", value: "http")
        }
        if let host = head.headers.first(name: "Host"), !head.headers.contains(name: "X-Forwarded-Host") {
            upstreamHead.headers.replaceOrAdd(name: "X-Forwarded-Host", value: host)
        }
        exchange = Exchange(
            head: upstreamHead, choice: choice, override: override, cookie: cookie, pending: [.head(upstreamHead)],
            clientKeepAlive: head.isKeepAlive)
        connect()
    }

    /// Connects (or reuses a connection) to the chosen release and writes what is pending.
    private func connect() {
        guard let exchange else { return }
        let backend = exchange.choice.backend
        pool.acquire(host: backend.host, port: backend.port, fresh: exchange.fresh).assumeIsolated().whenComplete {
            result in
            guard self.exchange != nil, self.exchange?.upstream == nil, self.context != nil else {
                // The client left meanwhile.
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                if !connection.reused { self.routes.clearAvoidance(backend.name) }
                self.attach(connection.channel, reused: connection.reused)
            case .failure:
                self.routes.avoid(backend.name)
                self.failed(before: true)
            }
        }
    }

    private func attach(_ channel: any Channel, reused: Bool) {
        guard var exchange, let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
        else {
            channel.close(promise: nil)
            failed(before: true)
            return
        }
        handler.delegate = self
        exchange.upstream = channel
        exchange.reused = reused
        let pending = exchange.pending
        exchange.pending = []
        self.exchange = exchange
        _ = channel.setOption(.autoRead, value: context?.channel.isWritable ?? true)
        for part in pending { channel.write(part, promise: nil) }
        channel.flush()
    }

    private func send(_ part: HTTPClientRequestPart) {
        if let upstream = exchange?.upstream {
            upstream.write(part, promise: nil)
        } else {
            exchange?.pending.append(part)
        }
    }

    // MARK: - From the release

    func upstreamRead(_ part: HTTPClientResponsePart) {
        guard let context, var exchange else { return }
        switch part {
        case .head(var head):
            exchange.responseStatus = Int(head.status.code)
            exchange.responseKeepAlive = head.isKeepAlive
            Self.removeHopByHop(&head.headers)
            if exchange.choice.byWeight, let name = routes.routes.stickyCookie,
                exchange.cookie != exchange.choice.backend.name
            {
                head.headers.add(
                    name: "Set-Cookie", value: "\(name)=\(exchange.choice.backend.name); Path=/; HttpOnly; SameSite=Lax"
                )
            }
            if !exchange.clientKeepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
            head.version = .http1_1
            self.exchange = exchange
            context.write(
                wrapOutboundOut(
                    .head(HTTPResponseHead(version: head.version, status: head.status, headers: head.headers))),
                promise: nil)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            finish(trailers, context: context)
        }
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        // Backpressure the other way: stop reading the client's body while the release cannot take more.
        _ = context?.channel.setOption(.autoRead, value: writable)
    }

    func upstreamClosed() {
        guard let exchange, exchange.upstream != nil else { return }
        self.exchange?.upstream = nil
        if exchange.responseStatus == nil {
            failed(before: !exchange.hadBody)
        } else {
            // The response broke off: its framing cannot be completed, so the client connection ends.
            exchange.choice.stats.recordFailure()
            self.exchange = nil
            context?.close(promise: nil)
        }
    }

    private func finish(_ trailers: HTTPHeaders?, context: ChannelHandlerContext) {
        guard let exchange else { return }
        self.exchange = nil
        exchange.choice.stats.record(
            status: exchange.responseStatus ?? 0, latency: ContinuousClock.now - exchange.started)
        if let upstream = exchange.upstream {
            detach(upstream)
            if exchange.responseKeepAlive && exchange.requestEnded {
                pool.release(upstream, host: exchange.choice.backend.host, port: exchange.choice.backend.port)
            } else {
                upstream.close(promise: nil)
            }
        }
        let keepAlive = exchange.clientKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    private func detach(_ upstream: any Channel) {
        if let handler = try? upstream.pipeline.syncOperations.handler(type: UpstreamHandler.self) {
            handler.delegate = nil
        }
    }

    /// The release gave no answer. `replayable`: nothing of the request body was consumed, so it
    /// may go to another release (once).
    private func failed(before replayable: Bool) {
        guard let context, var exchange else { return }
        if replayable && exchange.reused {
            // A kept-alive connection the release closed meanwhile: the same release, on a fresh one.
            exchange.fresh = true
            exchange.upstream = nil
            exchange.pending = [.head(exchange.head)] + (exchange.requestEnded ? [.end(nil)] : [])
            self.exchange = exchange
            connect()
            return
        }
        exchange.choice.stats.recordFailure()
        if replayable && exchange.attempts < 2,
            let next = routes.choose(
                override: exchange.override, cookie: exchange.cookie, excluding: exchange.choice.backend.name)
        {
            exchange.attempts += 1
            exchange.fresh = true
            exchange.choice = next
            exchange.upstream = nil
            exchange.pending = [.head(exchange.head)] + (exchange.requestEnded ? [.end(nil)] : [])
            self.exchange = exchange
            connect()
            return
        }
        self.exchange = nil
        respond(502, "the release did not answer\n", keepAlive: false, context: context)
    }

    private func respond(_ status: Int, _ text: String, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(
                .head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1), and those the
    /// `Connection` header names.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        let named = headers[canonicalForm: "Connection"].map { String($0).lowercased() }
        for name in [
            "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE",
            "Trailer", "Upgrade",
        ]
            + named
        {
            headers.remove(name: name)
        }
    }

    static func cookie(named name: String, in headers: HTTPHeaders) -> String? {
        for header in headers[canonicalForm: "Cookie"] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
