import PosyAccess
import PosySchema
import PosyStore

extension OrdersService {
    /// The direct conversation of a shop and one of its couriers, made on first use: its
    /// shard is picked from the current shard set once and then kept, so the id never changes.
    /// Staff (of the courier's shop) name the courier; a courier opens their own.
    public func directConversation(courierId: String?, by viewer: Viewer) async throws -> OrdersRPC.DirectConversation {
        guard case .user(let sub, let role, let shop, _) = viewer, let shop, role == .staff || role == .courier else {
            throw PosyError(.forbidden, "only staff and couriers of a shop have direct conversations")
        }
        let courier = role == .courier ? sub : (courierId ?? "")
        guard !courier.isEmpty else { throw PosyError(.invalidField, "courierId: required") }
        if role == .courier, let asked = courierId, asked != sub { throw PosyError(.notFound, "no courier \(asked)") }
        let candidate = "m\(shard(for: "\(shop)/\(courier)"))-\(Self.newId("d"))"
        let now = self.now
        return try await store.write { db in
            guard try db.queryOne("SELECT 1 FROM couriers WHERE id = ? AND shop_id = ?", courier, shop) != nil else {
                throw PosyError(.notFound, "no courier \(courier) in shop \(shop)")
            }
            try db.run(
                "INSERT OR IGNORE INTO direct_conversations(shop_id, courier_id, conversation_id, created_at) VALUES (?,?,?,?)",
                shop, courier, candidate, now)
            let id = try db.queryOne(
                "SELECT conversation_id FROM direct_conversations WHERE shop_id = ? AND courier_id = ?", shop, courier)!
            return OrdersRPC.DirectConversation(conversationId: id.string(0)!, shopId: shop, courierId: courier)
        }
    }

    /// Who is in a direct conversation (services only).
    public func directConversation(id: String, by viewer: Viewer) async throws -> OrdersRPC.DirectConversation {
        guard viewer.isService else { throw PosyError(.forbidden, "services only") }
        guard
            let row = try await store.read({ db in
                try db.queryOne("SELECT shop_id, courier_id FROM direct_conversations WHERE conversation_id = ?", id)
            })
        else { throw PosyError(.notFound, "no conversation \(id)") }
        return OrdersRPC.DirectConversation(conversationId: id, shopId: row.string(0)!, courierId: row.string(1)!)
    }
}
