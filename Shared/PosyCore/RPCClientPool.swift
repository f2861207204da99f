import Foundation
import PosySchema

/// One ``RPCClient`` per endpoint, created on first use and kept until ``closeAll()`` (the process's
/// lifecycle closes the pool at shutdown).
public actor RPCClientPool {
    /// Endpoint → its client and the identity whose key the client expects there.
    private var clients: [String: (identity: String, client: RPCClient)] = [:]
    private var closed = false

    private let security: BusSecurity

    public init(security: BusSecurity) {
        self.security = security
    }

    /// The client of the RPC endpoint `endpoint`, bound by `identity` (the service in its heartbeat).
    /// A client kept for an endpoint that another identity now announces (an ephemeral port taken
    /// over) expects the wrong server key: it is closed and replaced.
    public func client(_ endpoint: String, identity: String) async throws -> RPCClient {
        if let kept = clients[endpoint] {
            if kept.identity == identity { return kept.client }
            clients[endpoint] = nil
            await kept.client.close()
        }
        guard !closed else { throw PosyError(.unavailable, "shutting down") }
        let c = try await RPCClient(endpoint: endpoint, curve: try security.client(of: identity))
        clients[endpoint] = (identity, c)
        return c
    }

    /// Closes every client (calls still waiting fail `unavailable`); later calls fail `unavailable`.
    public func closeAll() async {
        closed = true
        for kept in clients.values { await kept.client.close() }
        clients.removeAll()
    }
}
