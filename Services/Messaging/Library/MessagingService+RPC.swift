import PosyCore
import PosySchema

extension MessagingService {
    /// Registers the shard's RPC methods (``MessagingRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(MessagingRPC.send) { r in try await self.send(r) }
        rpc.register(MessagingRPC.list) { r in try await self.list(r) }
        rpc.register(MessagingRPC.ack) { r in try await self.ack(r) }
        rpc.register(MessagingRPC.recall) { r in try await self.recall(r) }
        rpc.register(MessagingRPC.callSignal) { r in
            try await self.callSignal(r)
            return EmptyBody()
        }
        rpc.register(MessagingRPC.typing) { r in
            try await self.typing(r)
            return EmptyBody()
        }
        rpc.register(MessagingRPC.conversations) { r in try await self.conversations(r) }
        rpc.register(MessagingRPC.conversation) { r in try await self.conversation(r) }
        rpc.register(MessagingRPC.sync) { r in try await self.sync(r) }
        rpc.register(MessagingRPC.transcript) { r in try await self.transcript(r) }
    }
}
