import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import PosySchema

/// The gateway's child channel: a ``RequestHeadGuard`` judges the first request head of every
/// connection before anything else sees it. Only a connection whose first request is HTTP gets the
/// HTTP handlers (`inner`), set up once that is known; a live stream is taken over by the guard's
/// preflight and never carries them (docs/architecture.md, "Idle costs nothing"). A connection whose
/// first request got no answer at all gets a 400 before it is closed. Under TLS (Hummingbird's
/// `TLSChannel` around this one) the guard sits right after the TLS handler.
struct GuardedHTTPChannel<Inner: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let inner: Inner
    let limits: RequestHeadGuard.Limits
    /// Checks WebSocket upgrades, and takes the stream's over (``StreamAPI/preflight(api:hub:)``).
    let preflight: RequestHeadGuard.Preflight?
    /// Connections per client address; nil: not counted.
    var clients: ClientConnections? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Counted before anything is read: over its address's share, the connection is answered and closed at once.
            var refusal: RequestHeadGuard.Refusal?
            if let clients {
                switch clients.admit(channel.remoteAddress) {
                case .uncounted: break
                case .counted(let key): channel.closeFuture.whenComplete { _ in clients.release(key) }
                case .refused:
                    refusal = StreamAPI.refusal(
                        PosyError(
                            .rateLimited,
                            "this address holds \(clients.perAddress) connections to this gateway already; close one to open another"),
                        [("Retry-After", "5")])
                }
            }
            // Behind TLS the guard reads what the TLS handler decrypted, so it goes right after it.
            let pipeline = channel.pipeline.syncOperations
            let position: ChannelPipeline.SynchronousOperations.Position =
                (try? pipeline.handler(type: NIOSSLServerHandler.self)).map { .after($0) } ?? .first
            try pipeline.addHandler(RequestHeadGuard(limits: limits, preflight: preflight, refuseAtOnce: refusal), position: position)
            return Value(channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        // Refused, or taken over by the stream: nothing for HTTP to do.
        let decided = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: RequestHeadGuard.self).decided?.futureResult
        }.get()
        guard let decided, (try? await decided.get()) == .http else { return }
        let inner = self.inner
        let http = try? await channel.eventLoop.flatSubmit {
            inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
                let context = try channel.pipeline.syncOperations.context(handlerType: RequestHeadGuard.self)
                (context.handler as? RequestHeadGuard)?.release(context: context)
                return value
            }
        }.get()
        guard let http else {
            channel.close(promise: nil)
            return
        }
        await inner.handle(value: http, logger: logger)
        channel.eventLoop.execute {
            guard let context = try? channel.pipeline.syncOperations.context(handlerType: RequestHeadGuard.self),
                let guardHandler = context.handler as? RequestHeadGuard
            else { return channel.close(promise: nil) }
            guardHandler.answerIfSilent(context: context)
        }
    }
}
