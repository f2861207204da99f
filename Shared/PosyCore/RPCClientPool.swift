import Foundation

/// One ``RPCClient`` per endpoint, created on first use and kept.
public actor RPCClientPool {
    private var clients: [String: RPCClient] = [:]

    public init() {}

    public func client(_ endpoint: String) async throws -> RPCClient {
        if let c = clients[endpoint] { return c }
        let c = try await RPCClient(endpoint: endpoint)
        clients[endpoint] = c
        return c
    }

    public func closeAll() async {
        for c in clients.values { await c.close() }
        clients.removeAll()
    }
}
