import NIOCore

/// One end of a byte tunnel between a client connection and a release's connection, once an HTTP
/// upgrade (WebSocket) switched them from HTTP to the upgraded protocol: what one end reads, the other
/// writes, with backpressure both ways, and either end closing closes the other.
final class TunnelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The other end (both live on one event loop); nil once either closed.
    var partner: TunnelHandler?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.write(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        let partner = self.partner
        self.partner = nil
        partner?.partner = nil
        partner?.close()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        partner?.setReading(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Written and flushed at once: a read-complete may not follow (bytes a departing HTTP decoder hands
    /// on arrive outside a read).
    private func write(_ buffer: ByteBuffer) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func close() { context?.close(promise: nil) }

    /// Stops (or resumes) reading this end while the other cannot take more.
    private func setReading(_ on: Bool) {
        context?.channel.setOption(.autoRead, value: on).whenFailure { _ in }
    }
}
