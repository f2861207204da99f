/// RPC methods of privacy requests, answered by posy-orders (docs/protocol.md, "Privacy").
public enum PrivacyRPC {
    /// `{caller, ...ErasureInput}` → ``Erasure``: an admin, or a manager for their shop.
    public static let erase = RPC<ErasureInput, Erasure>(ServiceName.orders, "orders.privacy.erase", grant: .gateway)
    /// `{caller, id}` → ``Erasure``: who may request it.
    public static let erasure = RPC<ErasureQuery, Erasure>(ServiceName.orders, "orders.privacy.erasure", grant: .gateway)

    /// `{caller, ...ErasureInput}` → ``PrivacyExport`` without media bytes (the gateway inlines
    /// them): an admin, or a manager for their shop.
    public static let export = RPC<ErasureInput, PrivacyExport>(ServiceName.orders, "orders.privacy.export", grant: .gateway)
    /// ``ExportPartRequest`` → the store's part (any JSON): every store but posy-orders answers it,
    /// for posy-orders alone, as itself.
    public static let exportPart = RPC<ExportPartRequest, JSONValue>(
        RPCInstance.any, "privacy.export.part", grant: RPCGrant(services: [ServiceName.orders]))

    public struct ErasureQuery: Codable, Sendable, Equatable {
        public var id: String
        public init(id: String) { self.id = id }
    }
}
