import PosyCore
import PosySchema

extension LocationService {
    /// Registers the service's RPC methods (``LocationRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(LocationRPC.ingest, LocationRPC.IngestRequest.self) { r in try await self.ingest(r) }
        rpc.register(LocationRPC.tracking, LocationRPC.OrderRef.self) { r in try await self.tracking(r) }
        rpc.register(LocationRPC.track, LocationRPC.OrderRef.self) { r in try await self.track(r) }
        rpc.register(LocationRPC.live, LocationRPC.ShopRef.self) { r in try await self.live(r) }
    }
}
