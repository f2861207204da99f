/// Who may call one RPC method (docs/protocol.md, "Who may call what"): the identities proven by
/// their CURVE keys that may call it as themselves, and those that may call it for a person.
public struct RPCGrant: Sendable, Hashable {
    /// Any identity the suite issued a key to (`health`, `stats`, the replay methods).
    public var anyIdentity: Bool
    /// Identities that may call with a service `caller` of their own (`{"service": "messaging"}`).
    public var services: Set<String>
    /// Identities that may call with a person's `caller` (`sub`, `role`, …): the gateway, which
    /// verified the person's token, and services that pass on the person a request came for.
    public var people: Set<String>

    public init(anyIdentity: Bool = false, services: Set<String> = [], people: Set<String> = []) {
        self.anyIdentity = anyIdentity
        self.services = services
        self.people = people
    }

    /// Open to every identity.
    public static let everyone = RPCGrant(anyIdentity: true)

    /// For people, through the gateway only.
    public static let gateway = RPCGrant(people: [ServiceName.gateway])
}
