/// RPC methods of privacy requests, answered by posy-orders (docs/protocol.md, "Privacy").
public enum PrivacyRPC {
    /// `{caller, ...ErasureInput}` → ``Erasure``: an admin, or a manager for their shop.
    public static let erase = RPC<ErasureInput, Erasure>(ServiceName.orders, "orders.privacy.erase", grant: .gateway)
    /// `{caller, id}` → ``Erasure``: who may request it.
    public static let erasure = RPC<ErasureQuery, Erasure>(ServiceName.orders, "orders.privacy.erasure", grant: .gateway)

    public struct ErasureQuery: Codable, Sendable, Equatable {
        public var id: String
        public init(id: String) { self.id = id }
    }
}
