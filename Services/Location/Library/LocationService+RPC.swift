import PosyCore
import PosySchema

extension LocationService {
    /// Registers the service's RPC methods (``LocationRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(LocationRPC.ingest) { r in try await self.ingest(r) }
        rpc.register(LocationRPC.tracking) { r in try await self.tracking(r) }
        rpc.register(LocationRPC.track) { r in try await self.track(r) }
        rpc.register(LocationRPC.live) { r in try await self.live(r) }
    }
}
