import Foundation
import PosySchema

/// One ``RPCClient`` per endpoint, created on first use and kept; ``run()`` runs their readers
/// (one task each, children of the pool's own), so the process's lifecycle owns them.
public actor RPCClientPool {
    private var clients: [String: RPCClient] = [:]
    private var closed = false
    private let opened: AsyncStream<RPCClient>
    private let openedContinuation: AsyncStream<RPCClient>.Continuation

    private let security: BusSecurity

    public init(security: BusSecurity) {
        self.security = security
        (opened, openedContinuation) = AsyncStream.makeStream(of: RPCClient.self)
    }

    /// The client of the RPC endpoint `endpoint`, bound by `identity` (the service in its heartbeat).
    public func client(_ endpoint: String, identity: String) async throws -> RPCClient {
        if let c = clients[endpoint] { return c }
        guard !closed else { throw PosyError(.unavailable, "shutting down") }
        let c = try await RPCClient(endpoint: endpoint, curve: try security.client(of: identity))
        clients[endpoint] = c
        openedContinuation.yield(c)
        return c
    }

    /// Runs every client's reader until ``closeAll()``.
    public nonisolated func run() async {
        await withDiscardingTaskGroup { group in
            for await client in opened {
                group.addTask { await client.run() }
            }
        }
    }

    /// Closes every client (their readers end, and so does ``run()``); later calls fail `unavailable`.
    public func closeAll() async {
        closed = true
        openedContinuation.finish()
        for c in clients.values { await c.close() }
        clients.removeAll()
    }
}
