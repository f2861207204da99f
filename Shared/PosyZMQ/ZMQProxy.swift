import CZeroMQ
import Foundation

/// A steerable `zmq_proxy` between a frontend and backend socket on its own thread (the bus forwarder).
///
/// The proxy owns both sockets; ``terminate()`` stops it through its control socket and the sockets close.
public final class ZMQProxy: Sendable {
    private let control: ZMQSocket
    public let frontendEndpoints: [String]
    public let backendEndpoints: [String]

    /// Binds both sides and starts forwarding. Throws if either bind fails.
    public static func start(
        frontend: ZMQSocketType, bind frontendBind: [String], options frontendOptions: ZMQSocketOptions,
        backend: ZMQSocketType, bind backendBind: [String], options backendOptions: ZMQSocketOptions,
        context: ZMQContext = .shared
    ) async throws -> ZMQProxy {
        let controlAddress = "inproc://posy-proxy-control-\(UUID().uuidString)"
        let result: ([String], [String]) = try await withCheckedThrowingContinuation { c in
            let thread = Thread {
                let ctx = context.handle
                guard let f = zmq_socket(ctx, frontend.raw), let b = zmq_socket(ctx, backend.raw),
                    let ctl = zmq_socket(ctx, ZMQ_PAIR)
                else { return c.resume(throwing: ZMQError.last("zmq_socket")) }
                func fail(_ e: ZMQError) {
                    zmq_close(f)
                    zmq_close(b)
                    zmq_close(ctl)
                    c.resume(throwing: e)
                }
                if let e = ZMQSocketLoop.apply(frontendOptions, type: frontend, to: f, context: context) { return fail(e) }
                if let e = ZMQSocketLoop.apply(backendOptions, type: backend, to: b, context: context) { return fail(e) }
                var zero: Int32 = 0
                zmq_setsockopt(ctl, ZMQ_LINGER, &zero, 4)
                if zmq_bind(ctl, controlAddress) != 0 { return fail(.last("zmq_bind(control)")) }
                var fe: [String] = []
                var be: [String] = []
                for e in frontendBind {
                    if zmq_bind(f, e) != 0 { return fail(.last("zmq_bind(\(e))")) }
                    fe.append(ZMQSocketLoop.lastEndpoint(f) ?? e)
                }
                for e in backendBind {
                    if zmq_bind(b, e) != 0 { return fail(.last("zmq_bind(\(e))")) }
                    be.append(ZMQSocketLoop.lastEndpoint(b) ?? e)
                }
                c.resume(returning: (fe, be))
                zmq_proxy_steerable(f, b, nil, ctl)
                zmq_close(f)
                zmq_close(b)
                zmq_close(ctl)
            }
            thread.name = "posy.proxy"
            thread.start()
        }
        let control = try await ZMQSocket.open(.pair, connect: [controlAddress], context: context, name: "proxy-ctl")
        return ZMQProxy(control: control, frontend: result.0, backend: result.1)
    }

    private init(control: ZMQSocket, frontend: [String], backend: [String]) {
        self.control = control
        self.frontendEndpoints = frontend
        self.backendEndpoints = backend
    }

    /// Message and byte counters of both sides, from libzmq's `STATISTICS` command.
    public func statistics() async throws -> ProxyStatistics {
        try await control.send([Data("STATISTICS".utf8)])
        guard let reply = await control.inbox.next(), reply.count == 8 else {
            throw ZMQError.closed("zmq_proxy STATISTICS")
        }
        let v = reply.map { f in f.count == 8 ? f.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } : 0 }
        return ProxyStatistics(
            frontendMessagesIn: v[0], frontendBytesIn: v[1], frontendMessagesOut: v[2], frontendBytesOut: v[3],
            backendMessagesIn: v[4], backendBytesIn: v[5], backendMessagesOut: v[6], backendBytesOut: v[7])
    }

    /// Stops forwarding; both sockets close.
    public func terminate() async {
        try? await control.send([Data("TERMINATE".utf8)])
        await control.close()
    }
}

/// Counters reported by `zmq_proxy_steerable`.
public struct ProxyStatistics: Sendable, Codable {
    public var frontendMessagesIn, frontendBytesIn, frontendMessagesOut, frontendBytesOut: UInt64
    public var backendMessagesIn, backendBytesIn, backendMessagesOut, backendBytesOut: UInt64
}
