import NIOCore

/// The first handler of a client's pipeline, at the socket's end: writes bytes that are already a
/// response (a release's, passed on by `ResponseFramer`) past the HTTP encoder, which would expect
/// response parts. Everything else written on the connection passes through it unchanged.
final class ClientBytes: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Passes everything written by the handlers after it on, untouched (the encoder's bytes, the
    /// tunnel's).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
    }

    /// Writes `bytes` to the client (flushed when asked); `done` runs once they are written or failed.
    func write(_ bytes: ByteBuffer, flush: Bool = false, done: (() -> Void)? = nil) {
        guard let context else {
            done?()
            return
        }
        let promise = done.map { done in
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolated().whenComplete { _ in done() }
            return promise
        }
        if flush {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: promise)
        } else {
            context.write(wrapOutboundOut(bytes), promise: promise)
        }
    }
}
