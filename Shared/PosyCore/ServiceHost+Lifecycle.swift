import Foundation
import Logging
import PosySchema
import PosySettings
import PosyStore
import ServiceLifecycle

extension ServiceHost {
    /// The host's long-running loops, one `Service` each, in start order: the shared resources
    /// (closed last), the RPC server, the durable subscriber, heartbeats, outbox pruning and — for a
    /// child of `posy up` — the parent watch. A `ServiceGroup` shuts services down in reverse order,
    /// so the process stops listening after its own services (given after these) have stopped, and
    /// closes the store last. Call after registering RPC methods and event handlers.
    public func services() async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let subscriber = try await makeSubscriber()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: Resources(host: self)),
            .init(service: RPCService(server: rpc)),
            .init(service: Subscription(subscriber: subscriber)),
            .init(service: Heartbeats(host: self)),
        ]
        if let events, let store {
            services.append(.init(service: OutboxPruning(host: self, events: events, store: store)))
        }
        if (try? Settings.process.isOn(SuiteSettings().exitWithParent)) == true {
            // Its end (the parent is gone) shuts the whole group down: a killed supervisor leaves no orphans.
            services.append(
                .init(service: ParentWatch(parent: getppid(), logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        return services
    }

    /// Runs the ZAP handler; closes the publisher, the RPC clients, the handler and the store once
    /// everything else has stopped.
    struct Resources: Service {
        let host: ServiceHost

        func run() async throws {
            await withDiscardingTaskGroup { group in
                if let zap = host.authenticator { group.addTask { await zap.run() } }
                try? await gracefulShutdown()
                await host.publisher.close()
                await host.pool.closeAll()
                if host.ownsAuthenticator { await host.authenticator?.close() }
                group.cancelAll()  // the authenticator's answering, when another owns it
            }
            host.store?.close()
            host.logger.info("stopped")
        }
    }

    /// Serves RPC until shutdown; then closes the socket.
    struct RPCService: Service {
        let server: RPCServer

        func run() async throws {
            await cancelWhenGracefulShutdown { await server.run() }
            await server.close()
        }
    }

    /// Applies durable events until shutdown; then closes the socket.
    struct Subscription: Service {
        let subscriber: EventSubscriber

        func run() async throws {
            await cancelWhenGracefulShutdown { await subscriber.run() }
            await subscriber.close()
        }
    }

    /// Publishes the instance's heartbeat every second.
    struct Heartbeats: Service {
        let host: ServiceHost

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    host.publishHeartbeat()
                    host.refreshBatching()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            host.logger.info("shutting down")
        }
    }

    /// Deletes outbox rows older than the retention, hourly.
    struct OutboxPruning: Service {
        let host: ServiceHost
        let events: EventLog
        let store: Store

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    if let n = try? await events.prune(olderThanHours: host.retentionHours, store: store), n > 0 {
                        host.logger.info("pruned outbox", metadata: ["rows": "\(n)"])
                    }
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
        }
    }

    /// Returns when the parent process is gone (checked every 500 ms), or at shutdown.
    struct ParentWatch: Service {
        let parent: pid_t
        let logger: Logger

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled && getppid() == parent {
                    try? await Task.sleep(for: .milliseconds(500))
                }
                if !Task.isCancelled { logger.warning("parent process gone; shutting down", metadata: ["parent": "\(parent)"]) }
            }
        }
    }
}
