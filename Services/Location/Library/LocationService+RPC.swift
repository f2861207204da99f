import PosyCore
import PosySchema

extension LocationService {
    /// Registers the service's RPC methods (``LocationRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(LocationRPC.ingest) { r, viewer in try await self.ingest(r, for: viewer) }
        rpc.register(LocationRPC.ingestBatch) { r, _ in try await self.ingest(r) }
        rpc.register(LocationRPC.tracking) { r, viewer in try await self.tracking(r, for: viewer) }
        rpc.register(LocationRPC.track) { r, viewer in try await self.track(r, for: viewer) }
        rpc.register(LocationRPC.live) { r, viewer in try await self.live(r, for: viewer) }
        rpc.register(LocationRPC.appState) { r, viewer in try await self.appState(r, for: viewer) }
    }
}
