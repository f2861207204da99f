/// RPC methods of a `posy-messaging` shard and their requests. The gateway calls the
/// shard a conversation id names (`m2-…` → instance `messaging-2`); list and sync go to every shard.
/// Replies are the JSON of the named type.
public enum MessagingRPC {
    /// `SendRequest` → `SendResult`: stores a message (or returns the one this `clientMsgId` made).
    public static let send = RPC<SendRequest, SendResult>(RPCInstance.messagingShard, "msg.send", grant: .gateway)
    /// `ListRequest` → `MessagePage`
    public static let list = RPC<ListRequest, MessagePage>(RPCInstance.messagingShard, "msg.list", grant: .gateway)
    /// `AckRequest` → `ReceiptUpdate` (the caller's cursors and unread count after the ack).
    public static let ack = RPC<AckRequest, ReceiptUpdate>(RPCInstance.messagingShard, "msg.ack", grant: .gateway)
    /// `SeqRequest` → `ChatMessage` (the placeholder left behind).
    public static let recall = RPC<SeqRequest, ChatMessage>(RPCInstance.messagingShard, "msg.recall", grant: .gateway)
    /// `CallRequest` → `{}`: relays one step of a video call to the order's other parties (ephemeral;
    /// the call's start, answer and end are also written to the chat).
    public static let callSignal = RPC<CallRequest, EmptyBody>(RPCInstance.messagingShard, "msg.call", grant: .gateway)
    /// `ConversationRef` → `{}`: tells the other participants the caller is typing (ephemeral).
    public static let typing = RPC<ConversationRef, EmptyBody>(RPCInstance.messagingShard, "msg.typing", grant: .gateway)
    /// `{caller}` → `[ConversationSummary]`: the caller's conversations on this shard.
    public static let conversations = RPC<EmptyBody, [ConversationSummary]>(RPCInstance.messagingShard, "conv.list", grant: .gateway)
    /// `ConversationRef` → `ConversationSummary`
    public static let conversation = RPC<ConversationRef, ConversationSummary>(RPCInstance.messagingShard, "conv.get", grant: .gateway)
    /// `SyncRequest` → `ShardSync`
    public static let sync = RPC<SyncRequest, ShardSync>(RPCInstance.messagingShard, "msg.sync", grant: .gateway)
    /// `ConversationRef` → `Transcript`: the whole conversation for the evidence bundle.
    public static let transcript = RPC<ConversationRef, Transcript>(
        RPCInstance.messagingShard, "messaging.transcript", grant: RPCGrant(people: [ServiceName.gateway, ServiceName.receipts]))

    public struct CallRequest: Codable, Sendable {
        public var conversationId: String
        public var signal: CallSignal
        public init(conversationId: String, signal: CallSignal) {
            self.conversationId = conversationId
            self.signal = signal
        }
    }

    public struct ConversationRef: Codable, Sendable {
        public var conversationId: String
        public init(conversationId: String) {
            self.conversationId = conversationId
        }
    }

    public struct SendRequest: Codable, Sendable {
        public var conversationId: String
        public var message: MessageInput
        public init(conversationId: String, message: MessageInput) {
            self.conversationId = conversationId
            self.message = message
        }
    }

    public struct SendResult: Codable, Sendable, Equatable {
        public var message: ChatMessage
        /// The `clientMsgId` had already been used: this is the first message, nothing new was stored.
        public var duplicate: Bool
        public init(message: ChatMessage, duplicate: Bool) {
            self.message = message
            self.duplicate = duplicate
        }
    }

    public struct ListRequest: Codable, Sendable {
        public var conversationId: String
        /// Messages with seq > after (oldest first), or seq < before (the newest of them, still in seq order).
        public var after: Int64?
        public var before: Int64?
        public var limit: Int?
        public init(conversationId: String, after: Int64? = nil, before: Int64? = nil, limit: Int? = nil) {
            self.conversationId = conversationId
            self.after = after
            self.before = before
            self.limit = limit
        }
    }

    public struct AckRequest: Codable, Sendable {
        public var conversationId: String
        /// Everything up to this seq was read (implies delivered).
        public var read: Int64?
        /// Everything up to this seq reached a device of the caller.
        public var delivered: Int64?
        public init(conversationId: String, read: Int64? = nil, delivered: Int64? = nil) {
            self.conversationId = conversationId
            self.read = read
            self.delivered = delivered
        }
    }

    public struct SeqRequest: Codable, Sendable {
        public var conversationId: String
        public var seq: Int64
        public init(conversationId: String, seq: Int64) {
            self.conversationId = conversationId
            self.seq = seq
        }
    }

    public struct SyncRequest: Codable, Sendable {
        /// The shard's epoch and position from the last sync; nil or another epoch starts from the beginning.
        public var epoch: String?
        public var after: Int64
        public var limit: Int
        public init(epoch: String?, after: Int64, limit: Int) {
            self.epoch = epoch
            self.after = after
            self.limit = limit
        }
    }

    /// One shard's part of a sync.
    public struct ShardSync: Codable, Sendable, Equatable {
        public var epoch: String
        /// Position to continue from.
        public var pos: Int64
        public var changes: [SyncChange]
        public var more: Bool
        /// The request named another epoch (the store was reset): this starts from the beginning.
        public var reset: Bool
        public init(epoch: String, pos: Int64, changes: [SyncChange], more: Bool, reset: Bool) {
            self.epoch = epoch
            self.pos = pos
            self.changes = changes
            self.more = more
            self.reset = reset
        }
    }

    public struct Transcript: Codable, Sendable, Equatable {
        public var conversationId: String
        public var messages: [ChatMessage]
        public var receipts: [PartyReceipt]
        public init(conversationId: String, messages: [ChatMessage], receipts: [PartyReceipt]) {
            self.conversationId = conversationId
            self.messages = messages
            self.receipts = receipts
        }
    }

    /// The instance serving a conversation id (`m2-o…` → `messaging-2`); nil when the id names no shard.
    public static func instance(of conversationId: String) -> String? {
        guard conversationId.first == "m", let dash = conversationId.firstIndex(of: "-"),
            let shard = Int(conversationId[conversationId.index(after: conversationId.startIndex)..<dash]),
            (1...99).contains(shard), conversationId.index(after: dash) < conversationId.endIndex
        else { return nil }
        return instance(shard: shard)
    }

    /// The instance name of messaging shard `shard` (`messaging-2`).
    public static func instance(shard: Int) -> String { "\(RPCInstance.messagingShard)-\(shard)" }
}
