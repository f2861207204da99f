/// An RPC method: the instance that answers it, its name on the wire, who may call it, and the types
/// of its request and reply (docs/protocol.md, "RPC", "Who may call what"). Servers register
/// handlers against it and clients call it, so a method's types are checked where it is served and
/// where it is called; its grant goes with it to every server that serves it — one line says who
/// may call a method, and a method cannot be declared without saying.
///
/// `service` is the answering instance (`orders`, `location`, …); ``RPCInstance/any`` for the methods
/// every process answers (`health`, `stats`, …), and ``RPCInstance/messagingShard`` for messaging's, whose
/// instance comes from the conversation id (``MessagingRPC/instance(of:)``). A request or reply
/// that is not JSON is ``RawBytes``.
public struct RPC<Request: Sendable, Reply: Sendable>: Sendable, Hashable, CustomStringConvertible {
    public let service: String
    public let name: String
    /// Which identities may call it, for a person or as themselves (``RPCGrant``).
    public let grant: RPCGrant

    public init(_ service: String, _ name: String, grant: RPCGrant) {
        self.service = service
        self.name = name
        self.grant = grant
    }

    public var description: String { name }
}

/// The instance names an ``RPC`` value carries besides a service's own.
public enum RPCInstance {
    /// Every process answers the method: the caller names the instance.
    public static let any = ""
    /// A messaging shard answers: the caller names it (``MessagingRPC/instance(of:)``).
    public static let messagingShard = ServiceName.messaging
}

/// A request or reply body that is not JSON (media chunks and bytes, an HTML page).
public enum RawBytes: Sendable {}

/// The empty JSON object, `{}`: a request without fields, or a reply that only says "done".
public struct EmptyBody: Codable, Sendable, Equatable {
    public init() {}
}
