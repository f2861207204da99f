import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// A listener for Hummingbird child channels, bound with `SO_REUSEPORT` when `sharePort` so that
/// several gateway processes share one HTTP port (the kernel spreads new connections among them;
/// docs/architecture.md, "Several gateways") — and without it otherwise, so that a stray second
/// gateway on a lone gateway's port fails with "address in use" instead of taking half its clients —
/// and accepting no more connections than its ``ConnectionAdmission`` allows, so
/// that the process never runs out of descriptors while accepting. Hummingbird's own server binds
/// with `SO_REUSEADDR` only; the rest is as it does: a task per connection, and on graceful shutdown
/// the listener closes and open connections are told to finish (`ServerQuiescingHelper`).
struct SharedPortServer<Child: ServerChildChannel>: Service {
    let child: Child
    let host: String
    let port: Int
    let admission: ConnectionAdmission
    let sharePort: Bool
    let group: any EventLoopGroup
    let logger: Logger
    var backlog = 256

    /// Seconds of silence before the first keepalive probe, between probes, and the probes
    /// unanswered before the kernel closes the connection: a dead peer is gone within two minutes.
    static var keepAliveIdle: Int { 60 }
    static var keepAliveInterval: Int { 20 }
    static var keepAliveProbes: Int { 3 }

    static func tcp(_ name: Int32) -> ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: name))
    }

    func run() async throws {
        let quiescing = ServerQuiescingHelper(group: group)
        let admission = self.admission
        let child = self.child
        let logger = self.logger
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(backlog))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: sharePort ? 1 : 0)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AvailableConnectionsChannelHandler(delegate: admission))
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            // Dead peers (a phone gone without a FIN) are found by the kernel's keepalive probes,
            // which wake nothing in this process; the WebSocket layer sends no pings (docs/architecture.md,
            // "Idle costs nothing").
            .childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .childChannelOption(Self.tcp(TCP_KEEPIDLE), value: Self.keepAliveIdle)
            .childChannelOption(Self.tcp(TCP_KEEPINTVL), value: Self.keepAliveInterval)
            .childChannelOption(Self.tcp(TCP_KEEPCNT), value: Self.keepAliveProbes)
            .bind(host: host, port: port, serverBackPressureStrategy: nil) { channel in
                child.setup(channel: channel, logger: logger)
            }
        logger.info("Server started and listening on \(host):\(server.channel.localAddress?.port ?? port)")
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { tasks in
                do {
                    try await server.executeThenClose { inbound in
                        for try await value in inbound {
                            tasks.addTask { await child.handle(value: value, logger: logger) }
                        }
                    }
                } catch {
                    logger.error("accepting connections failed", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            quiescing.initiateShutdown(promise: nil)
        }
    }
}
