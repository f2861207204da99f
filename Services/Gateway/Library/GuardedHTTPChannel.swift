import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// The gateway's HTTP (and WebSocket-upgrade) child channel with a ``RequestHeadGuard`` in front:
/// the first request head of a connection is judged before the HTTP decoder sees it, and a
/// connection whose first request got no answer at all gets a 400 before it is closed. Under TLS
/// (Hummingbird's `TLSChannel` around this one) the guard sits right after the TLS handler.
struct GuardedHTTPChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let limits: RequestHeadGuard.Limits
    /// Checks WebSocket upgrades before the upgrade pipeline (``StreamAPI/preflight(api:hub:)``).
    let preflight: RequestHeadGuard.Preflight?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            // Behind TLS the guard reads what the TLS handler decrypted, so it goes right after it.
            let pipeline = channel.pipeline.syncOperations
            let position: ChannelPipeline.SynchronousOperations.Position =
                (try? pipeline.handler(type: NIOSSLServerHandler.self)).map { .after($0) } ?? .first
            try pipeline.addHandler(RequestHeadGuard(limits: limits, preflight: preflight), position: position)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        // A refused first head was answered by the guard; the HTTP handling has nothing to do (and
        // would log the closed connection as an error).
        let decided = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: RequestHeadGuard.self).decided?.futureResult
        }.get()
        guard let decided, (try? await decided.get()) == true else { return }
        await inner.handle(value: value, logger: logger)
        channel.eventLoop.execute {
            guard let context = try? channel.pipeline.syncOperations.context(handlerType: RequestHeadGuard.self),
                let guardHandler = context.handler as? RequestHeadGuard
            else { return channel.close(promise: nil) }
            guardHandler.answerIfSilent(context: context)
        }
    }
}
