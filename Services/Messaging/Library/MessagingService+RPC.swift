import PosyCore
import PosySchema

extension MessagingService {
    /// Registers the shard's RPC methods (``MessagingRPC``).
    public func register(on rpc: RPCServer) {
        rpc.register(MessagingRPC.send, MessagingRPC.SendRequest.self) { r in try await self.send(r) }
        rpc.register(MessagingRPC.list, MessagingRPC.ListRequest.self) { r in try await self.list(r) }
        rpc.register(MessagingRPC.ack, MessagingRPC.AckRequest.self) { r in try await self.ack(r) }
        rpc.register(MessagingRPC.recall, MessagingRPC.SeqRequest.self) { r in try await self.recall(r) }
        rpc.register(MessagingRPC.typing, MessagingRPC.ConversationRef.self) { r -> [String: String] in
            try await self.typing(r)
            return [:]
        }
        rpc.register(MessagingRPC.conversations, MessagingRPC.CallerOnly.self) { r in try await self.conversations(r) }
        rpc.register(MessagingRPC.conversation, MessagingRPC.ConversationRef.self) { r in try await self.conversation(r) }
        rpc.register(MessagingRPC.sync, MessagingRPC.SyncRequest.self) { r in try await self.sync(r) }
        rpc.register(MessagingRPC.transcript, MessagingRPC.ConversationRef.self) { r in try await self.transcript(r) }
    }
}
