import NIOCore
import NIOHTTP1

/// One client connection: each request is sent to the release the route table picks, over a
/// keep-alive connection from the pool, with its body and the response streamed both ways. Requests
/// are decoded (routing reads their headers) and encoded again; responses are passed on as the bytes
/// the release sent, with their hop-by-hop headers taken out (`ResponseFramer`, `ClientBytes`).
///
/// Requests a client pipelines (sends before the previous response ended) wait here, in order; past
/// `maximumQueued` parts the connection is not read until they drain. (NIO's pipelining handler
/// would do the same by pausing reads around every request, which costs two `epoll_ctl` calls each.)
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
    private let bytes: ClientBytes
    /// A blue/green preview listener: every request goes to the canary, as with `X-Gantry-Canary: always`.
    private let preview: Bool
    private var context: ChannelHandlerContext?
    /// The client's address, read once per connection (for `X-Forwarded-For`).
    private var clientAddress: String?
    /// False while the client cannot take more (the release's connection is not read meanwhile).
    private var clientWritable = true
    /// Parts of pipelined requests that arrived while a response was still being sent.
    private var queued: [HTTPServerRequestPart] = []
    private var readingPaused = false
    /// A response's head was written to the client and its end not yet.
    private var responding = false
    static let maximumQueued = 64

    /// The request being proxied (one at a time: a pipelined request waits in `queued` until this
    /// response ended).
    ///
    /// A class: its parts are read and changed for every part of the request and the response, and a
    /// struct holding the request's head would be copied (with a retain of each header) every time.
    private final class Exchange {
        var head: HTTPRequestHead
        var choice: RouteTable.Choice
        var key: String
        var override: String?
        var cookie: Substring?
        /// Parts not yet written to the upstream connection (while it connects).
        var pending: [HTTPClientRequestPart] = []
        var upstream: UpstreamConnection?
        var reused = false
        var hadBody = false
        var requestEnded = false
        var responseStatus: Int?
        var responseKeepAlive = true
        var clientKeepAlive: Bool
        /// A HEAD request: its response has no body, whatever its headers say.
        let isHead: Bool
        /// The client speaks HTTP/1.0: a chunked response reaches it without its chunks, and a kept
        /// connection says so.
        let clientHTTP10: Bool
        /// A WebSocket upgrade was asked for (`Upgrade: websocket`), and passed on.
        var upgrade = false
        /// The release agreed (101): at the end of that response both connections become a byte tunnel.
        var switching = false
        /// Attempts on fresh connections (a reused connection the release had closed is retried on a
        /// fresh one without counting).
        var attempts = 1
        var fresh = false
        let started = ContinuousClock.now

        init(
            head: HTTPRequestHead, choice: RouteTable.Choice, override: String?, cookie: Substring?,
            clientKeepAlive: Bool, upgrade: Bool, clientHTTP10: Bool
        ) {
            self.head = head
            self.isHead = head.method == .HEAD
            self.clientHTTP10 = clientHTTP10
            self.choice = choice
            self.key = choice.key
            self.override = override
            self.cookie = cookie
            self.clientKeepAlive = clientKeepAlive
            self.upgrade = upgrade
        }
    }

    private var exchange: Exchange?

    /// - Parameter bytes: the writer at the socket's end of the client's pipeline, for responses
    ///   passed on as the release sent them (see `ResponseFramer`).
    init(routes: RouteTable, pool: UpstreamPool, bytes: ClientBytes, preview: Bool = false) {
        self.routes = routes
        self.pool = pool
        self.bytes = bytes
        self.preview = preview
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: - From the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        // A request that arrives before the previous response ended waits for it.
        if !queued.isEmpty || (exchange?.requestEnded == true) {
            queued.append(part)
            if queued.count >= Self.maximumQueued && !readingPaused {
                readingPaused = true
                context.channel.setOption(.autoRead, value: false).whenFailure { _ in }
            }
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
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
        exchange?.upstream?.channel.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The client went away: the upstream connection is mid-exchange and cannot be reused.
        if let upstream = exchange?.upstream {
            upstream.handler.delegate = nil
            upstream.channel.close(promise: nil)
        }
        exchange = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Backpressure: stop reading the release while the client cannot take more.
        clientWritable = context.channel.isWritable
        exchange?.upstream?.channel.setOption(.autoRead, value: clientWritable).whenFailure { _ in }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request the strict parser refused (control characters, folded or malformed headers, bad
        // framing): 400 when no response has begun on the connection, which then closes (what NIO's
        // protocol error handler would do, without a handler in the way of every part written).
        if error is HTTPParserError, !responding {
            var headers = HTTPHeaders()
            headers.add(name: "Connection", value: "close")
            headers.add(name: "Content-Length", value: "0")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        // One pass over the request's headers for everything the proxy reads in them.
        var override: String?
        var host: String?
        var forwardedFor: [String] = []
        var hasForwardedProto = false
        var hasForwardedHost = false
        var hasCookie = false
        var upgrade: String?
        var connectionUpgrade = false
        for (name, value) in head.headers {
            let field = name.utf8
            switch name.utf8.count {
            case 7 where HTTPFields.equalsIgnoringCase(field, "Upgrade"): upgrade = value
            case 10 where HTTPFields.equalsIgnoringCase(field, "Connection"):
                connectionUpgrade = connectionUpgrade || HTTPFields.containsToken(value, "upgrade")
            case 4 where HTTPFields.equalsIgnoringCase(field, "Host"): host = value
            case 6 where HTTPFields.equalsIgnoringCase(field, "Cookie"): hasCookie = true
            case 15 where HTTPFields.equalsIgnoringCase(field, "X-Gantry-Canary"): override = value
            case 15 where HTTPFields.equalsIgnoringCase(field, "X-Forwarded-For"): forwardedFor.append(value)
            case 16 where HTTPFields.equalsIgnoringCase(field, "X-Forwarded-Host"): hasForwardedHost = true
            case 17 where HTTPFields.equalsIgnoringCase(field, "X-Forwarded-Proto"): hasForwardedProto = true
            default: break
            }
        }
        if preview { override = "always" }
        let cookie = hasCookie ? routes.stickyCookie.flatMap { HTTPFields.cookie(named: $0, in: head.headers) } : nil
        guard let choice = routes.choose(override: override, cookie: cookie) else {
            respond(503, "no release is serving this environment\n", keepAlive: head.isKeepAlive, context: context)
            return
        }
        var upstreamHead = head
        upstreamHead.version = .http1_1
        HTTPFields.removeHopByHop(&upstreamHead.headers)
        if let address = clientAddress {
            if forwardedFor.isEmpty {
                upstreamHead.headers.add(name: "X-Forwarded-For", value: address)
            } else {
                upstreamHead.headers.replaceOrAdd(
                    name: "X-Forwarded-For", value: forwardedFor.joined(separator: ", ") + ", " + address)
            }
        }
        // WebSocket is the one upgrade passed through (h2c and others stay on their hop).
        let webSocket =
            connectionUpgrade && upgrade?.caseInsensitiveCompare("websocket") == .orderedSame && head.method == .GET
        if webSocket {
            upstreamHead.headers.add(name: "Connection", value: "Upgrade")
            upstreamHead.headers.add(name: "Upgrade", value: "websocket")
        }
        if !hasForwardedProto { upstreamHead.headers.add(name: "X-Forwarded-Proto", value: "http") }
        if let host, !hasForwardedHost { upstreamHead.headers.add(name: "X-Forwarded-Host", value: host) }
        // NIO's request decoder stops parsing after any upgrade request: unless it becomes a tunnel,
        // the client connection ends with this response (h2c, or a release that refused the upgrade).
        let upgradeAsked = connectionUpgrade && upgrade != nil
        exchange = Exchange(
            head: upstreamHead, choice: choice, override: override, cookie: cookie,
            clientKeepAlive: head.isKeepAlive && !upgradeAsked, upgrade: webSocket,
            clientHTTP10: head.version.major == 1 && head.version.minor == 0)
        connect()
    }

    /// Sends the request over an idle connection to the chosen release, or connects a new one (the
    /// request's parts wait meanwhile).
    private func connect() {
        guard let exchange else { return }
        if !exchange.fresh, let idle = pool.takeIdle(exchange.key) {
            attach(idle, reused: true, pending: [])
            idle.channel.write(HTTPClientRequestPart.head(exchange.head), promise: nil)
            if exchange.requestEnded { idle.channel.write(HTTPClientRequestPart.end(nil), promise: nil) }
            idle.channel.flush()
            return
        }
        exchange.pending = [.head(exchange.head)] + (exchange.requestEnded ? [.end(nil)] : [])
        let backend = exchange.choice.backend
        pool.connect(host: backend.host, port: backend.port).assumeIsolated().whenComplete { result in
            guard self.exchange === exchange, exchange.upstream == nil, self.context != nil else {
                // The client left meanwhile (or this request was answered already).
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                self.routes.clearAvoidance(backend.name)
                let pending = exchange.pending
                exchange.pending = []
                self.attach(connection, reused: false, pending: pending)
            case .failure:
                self.routes.avoid(backend.name)
                self.failed(replayable: true)
            }
        }
    }

    private func attach(_ connection: UpstreamConnection, reused: Bool, pending: [HTTPClientRequestPart]) {
        guard exchange != nil else { return }
        connection.handler.delegate = self
        connection.handler.expectResponse(
            toHead: exchange?.isHead == true, dechunk: exchange?.clientHTTP10 == true)
        exchange?.upstream = connection
        exchange?.reused = reused
        if !clientWritable { connection.channel.setOption(.autoRead, value: false).whenFailure { _ in } }
        guard !pending.isEmpty else { return }
        for part in pending { connection.channel.write(part, promise: nil) }
        connection.channel.flush()
    }

    private func send(_ part: HTTPClientRequestPart) {
        if let upstream = exchange?.upstream {
            upstream.channel.write(part, promise: nil)
        } else {
            exchange?.pending.append(part)
        }
    }

    // MARK: - From the release

    func upstreamHead(_ head: ResponseFramer.Head) {
        guard let exchange else { return }
        var bytes = head.bytes
        if head.informational {
            // 100 Continue, 103 Early Hints: passed on to HTTP/1.1 clients; the final answer follows.
            if !exchange.clientHTTP10 {
                bytes.writeStaticString("\r\n")
                self.bytes.write(bytes)
            }
            return
        }
        // A 101 the client did not ask for is not passed on (upstreamSwitched ends both connections).
        if head.status == 101 && !exchange.upgrade { return }
        exchange.responseStatus = head.status
        exchange.responseKeepAlive = head.keepAlive
        if exchange.choice.byWeight, let setCookie = exchange.choice.entry.setCookie,
            exchange.cookie.map({ $0 != exchange.choice.backend.name }) ?? true
        {
            bytes.writeStaticString("Set-Cookie: ")
            bytes.writeString(setCookie)
            bytes.writeStaticString("\r\n")
        }
        if head.status == 101 {
            exchange.switching = true
            bytes.writeStaticString("Connection: Upgrade\r\nUpgrade: websocket\r\n")
        } else if !exchange.clientKeepAlive || head.closeDelimited {
            // The client's connection ends with this response (its body ends when it closes).
            exchange.clientKeepAlive = false
            bytes.writeStaticString("Connection: close\r\n")
        } else if exchange.clientHTTP10 {
            bytes.writeStaticString("Connection: keep-alive\r\n")
        }
        bytes.writeStaticString("\r\n")
        responding = true
        self.bytes.write(bytes)
    }

    func upstreamBody(_ body: ByteBuffer) {
        guard exchange != nil else { return }
        bytes.write(body)
    }

    func upstreamEnd(reusable: Bool) {
        guard let context, exchange != nil else { return }
        finish(reusable: reusable, context: context)
    }

    func upstreamSwitched() {
        guard let context, let exchange else { return }
        guard exchange.switching else {
            // A 101 the client did not ask for: neither connection can go on speaking HTTP.
            exchange.choice.stats.recordFailure()
            exchange.upstream?.handler.delegate = nil
            exchange.upstream?.channel.close(promise: nil)
            self.exchange = nil
            context.close(promise: nil)
            return
        }
        tunnel(exchange, context: context)
    }

    /// After a 101 answer to a WebSocket upgrade: both connections stop speaking HTTP and become the
    /// two ends of a byte tunnel (bytes the release sent right after its 101 go through it too: its
    /// handler stopped reading at the upgrade and hands them on as it leaves).
    private func tunnel(_ exchange: Exchange, context: ChannelHandlerContext) {
        self.exchange = nil
        queued = []
        exchange.choice.stats.record(status: 101, latency: ContinuousClock.now - exchange.started)
        context.flush()
        guard let upstream = exchange.upstream else {
            context.close(promise: nil)
            return
        }
        upstream.handler.delegate = nil
        let clientEnd = TunnelHandler()
        let releaseEnd = TunnelHandler()
        clientEnd.partner = releaseEnd
        releaseEnd.partner = clientEnd
        do {
            // The client's end first: the release's decoder hands the bytes that followed its 101 to the
            // tunnel as soon as it leaves, and they must reach the client unencoded.
            let client = context.pipeline.syncOperations
            try client.addHandler(clientEnd)
            Self.remove(HTTPResponseEncoder.self, from: client)
            Self.remove(NIOHTTPResponseHeadersValidator.self, from: client)
            Self.remove(ByteToMessageHandler<HTTPRequestDecoder>.self, from: client)
            client.removeHandler(context: context, promise: nil)
            let release = upstream.channel.pipeline.syncOperations
            try release.addHandler(releaseEnd)
            // The handler at the end before the decoder, which hands its leftover bytes to the next one.
            release.removeHandler(upstream.handler, promise: nil)
            Self.remove(HTTPRequestEncoder.self, from: release)
            Self.remove(NIOHTTPRequestHeadersValidator.self, from: release)
            context.channel.setOption(.autoRead, value: true).whenFailure { _ in }
            upstream.channel.setOption(.autoRead, value: true).whenFailure { _ in }
        } catch {
            upstream.channel.close(promise: nil)
            context.close(promise: nil)
        }
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        // Backpressure the other way: stop reading the client's body while the release cannot take more.
        context?.channel.setOption(.autoRead, value: writable).whenFailure { _ in }
    }

    func upstreamClosed() {
        guard let exchange, exchange.upstream != nil else { return }
        exchange.upstream = nil
        if exchange.responseStatus == nil {
            failed(replayable: !exchange.hadBody)
        } else {
            // The response broke off: its framing cannot be completed, so the client connection ends.
            exchange.choice.stats.recordFailure()
            self.exchange = nil
            context?.close(promise: nil)
        }
    }

    /// Handles the requests that waited, until one of them is in flight again.
    private func drainQueue(context: ChannelHandlerContext) {
        while exchange?.requestEnded != true, !queued.isEmpty {
            handle(queued.removeFirst(), context: context)
        }
        if readingPaused && queued.count < Self.maximumQueued / 2 {
            readingPaused = false
            context.channel.setOption(.autoRead, value: true).whenFailure { _ in }
        }
    }

    /// The response ended: the release's connection goes back to the pool when it may be reused
    /// (`reusable`: nothing came after the response), the client's is flushed, and closed unless kept.
    private func finish(reusable: Bool, context: ChannelHandlerContext) {
        guard let exchange else { return }
        self.exchange = nil
        responding = false
        defer { if exchange.clientKeepAlive { drainQueue(context: context) } }
        exchange.choice.stats.record(
            status: exchange.responseStatus ?? 0, latency: ContinuousClock.now - exchange.started)
        if let upstream = exchange.upstream {
            if reusable && exchange.responseKeepAlive && exchange.requestEnded {
                if !clientWritable { upstream.channel.setOption(.autoRead, value: true).whenFailure { _ in } }
                pool.release(upstream, key: exchange.key)
            } else {
                upstream.handler.delegate = nil
                upstream.channel.close(promise: nil)
            }
        }
        if exchange.clientKeepAlive {
            context.flush()
        } else {
            // Closed once what was written has gone out (closing at once would drop it).
            bytes.write(context.channel.allocator.buffer(capacity: 0), flush: true) { context.close(promise: nil) }
        }
    }

    /// The release gave no answer. `replayable`: nothing of the request body was consumed, so it
    /// may be sent again: on a fresh connection to the same release when the connection was a kept
    /// one (the release had closed it), else once to another release.
    private func failed(replayable: Bool) {
        guard let context, let exchange else { return }
        exchange.upstream = nil
        if replayable && exchange.reused {
            exchange.fresh = true
            exchange.reused = false
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
            exchange.key = next.key
            connect()
            return
        }
        self.exchange = nil
        respond(502, "the release did not answer\n", keepAlive: false, context: context)
    }

    /// Takes an HTTP handler out of a pipeline that stops speaking HTTP (absent ones are skipped: which
    /// validators NIO adds depends on its configuration).
    private static func remove<Handler: RemovableChannelHandler>(
        _ type: Handler.Type, from pipeline: ChannelPipeline.SynchronousOperations
    ) {
        if let handler = try? pipeline.handler(type: type) { pipeline.removeHandler(handler, promise: nil) }
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
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            drainQueue(context: context)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
