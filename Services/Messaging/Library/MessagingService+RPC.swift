import PosyCore
import PosySchema

extension MessagingService {
    /// Registers the shard's RPC methods (``MessagingRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(MessagingRPC.send) { r, viewer in try await self.send(r, for: viewer) }
        rpc.register(MessagingRPC.list) { r, viewer in try await self.list(r, for: viewer) }
        rpc.register(MessagingRPC.ack) { r, viewer in try await self.ack(r, for: viewer) }
        rpc.register(MessagingRPC.recall) { r, viewer in try await self.recall(r, for: viewer) }
        rpc.register(MessagingRPC.callSignal) { r, viewer in
            try await self.callSignal(r, for: viewer)
            return EmptyBody()
        }
        rpc.register(MessagingRPC.typing) { r, viewer in
            try await self.typing(r, for: viewer)
            return EmptyBody()
        }
        rpc.register(MessagingRPC.conversations) { _, viewer in try await self.conversations(for: viewer) }
        rpc.register(MessagingRPC.conversation) { r, viewer in try await self.conversation(r, for: viewer) }
        rpc.register(MessagingRPC.sync) { r, viewer in try await self.sync(r, for: viewer) }
        rpc.register(MessagingRPC.transcript) { r, viewer in try await self.transcript(r, for: viewer) }
    }
}
