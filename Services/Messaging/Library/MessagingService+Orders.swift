import Foundation
import Logging
import PosyCore
import PosySchema
import PosyStore

extension MessagingService {
    /// Registers what a shard does with posy-orders' and posy-receipts' durable events, each applied
    /// exactly once inside the transaction that advances its cursor: an order's creation opens its
    /// conversation, state changes are written into the chat, the courier joins on accepting and
    /// leaves on reassignment, the conversation turns read-only after the order ended; an accepted
    /// proof of delivery becomes a card.
    public func registerEventHandlers(on host: ServiceHost) {
        host.on(OrdersEvents.prefix) { db, envelope in try self.applyOrderEvent(db, envelope) }
        host.on(ReceiptsEvents.proofAccepted) { db, proof in try self.applyProof(db, proof) }
        host.on(OrdersEvents.shop) { db, shop in
            try db.run(
                """
                INSERT INTO shops(id, time_zone, chat_days) VALUES (?,?,?)
                ON CONFLICT(id) DO UPDATE SET time_zone = excluded.time_zone, chat_days = excluded.chat_days
                """, shop.id, shop.timeZone, shop.retention?.chatDays)
        }
    }

    func applyOrderEvent(_ db: SQLiteConnection, _ envelope: Envelope) throws {
        guard envelope.type.hasPrefix(OrdersEvents.prefix), let state = OrderState(rawValue: String(envelope.type.dropFirst(6))) else {
            return
        }
        let event = try envelope.decode(OrderEvent.self)
        guard owns(event.conversationId) else { return }
        let at = nowText
        var c: ConversationRow
        if let existing = try ConversationRow.load(db, event.conversationId) {
            c = existing
        } else {
            guard let order = event.order else {
                logger.warning(
                    "order event without its order for an unknown conversation",
                    metadata: [
                        "conversation": "\(event.conversationId)", "type": "\(envelope.type)",
                    ])
                return
            }
            c = ConversationRow(
                id: event.conversationId, kind: "order", orderId: order.id, shopId: order.shopId,
                customerId: order.customer?.id, orderState: state.rawValue)
            try db.run(
                "INSERT INTO conversations(id, kind, order_id, shop_id, customer_id, order_state, created_at) VALUES (?,?,?,?,?,?,?)",
                c.id, c.kind, c.orderId, c.shopId, c.customerId, c.orderState, at)
            if let customer = c.customerId { try MemberRow(userId: customer, party: .customer).save(db, c.id) }
            try Self.recordChange(db, c.id, type: "conversation", ref: "state")
            metrics.increment("conversations_opened")
        }
        try db.run("UPDATE conversations SET order_state = ? WHERE id = ?", state.rawValue, c.id)
        c.orderState = state.rawValue
        var couriers = try MemberRow.all(db, c.id).filter { $0.party == .courier }
        var membersChanged = false
        switch state {
        case .assigned:
            // Reassigned: the courier who had accepted leaves (and no longer finds the conversation).
            for var m in couriers where !m.removed && m.userId != event.courierId {
                m.removed = true
                try m.save(db, c.id)
                membersChanged = true
            }
        case .accepted:
            if let courier = event.courierId {
                var m = couriers.first { $0.userId == courier } ?? MemberRow(userId: courier, party: .courier)
                if m.removed || !couriers.contains(where: { $0.userId == courier }) {
                    m = MemberRow(userId: courier, party: .courier, fromSeq: c.lastSeq + 1)
                    try m.save(db, c.id)
                    membersChanged = true
                }
            }
        default:
            break
        }
        let courierName = event.order?.courier?.firstName
        if let text = SystemText.text(for: state, courierName: courierName) {
            // The faces say the line in their reader's language from the card (the state, and who delivers).
            var card: [String: JSONValue] = ["event": .string(envelope.type), "state": .string(state.rawValue)]
            if state == .accepted, let courierName { card["courier"] = .string(courierName) }
            try append(db, &c, senderId: "posy", party: .system, clientMsgId: nil, kind: .system, text: text, card: .object(card), at: at)
        }
        if [.delivered, .completed, .cancelled, .failed, .returned].contains(state) {
            // The courier keeps what they saw until now and reads nothing newer.
            couriers = try MemberRow.all(db, c.id).filter { $0.party == .courier }
            for var m in couriers where m.isActive {
                m.untilSeq = c.lastSeq
                try m.save(db, c.id)
                membersChanged = true
            }
        }
        if state.isTerminal, c.readOnlyAt == nil {
            let ended = Timestamp.parse(event.at) ?? clock()
            c.readOnlyAt = ended.timeIntervalSince1970 + config.readOnlyAfter
            try db.run("UPDATE conversations SET read_only_at = ? WHERE id = ?", c.readOnlyAt, c.id)
            membersChanged = true
        }
        if membersChanged {
            try Self.recordChange(db, c.id, type: "conversation", ref: "state")
            let members = try MemberRow.all(db, c.id)
            let body = try JSON.encode(
                ConversationChanged(
                    conversationId: c.id, orderState: state.rawValue,
                    readOnlyAt: c.readOnlyAt.map { Timestamp.format(Date(timeIntervalSince1970: $0)) }))
            let conversation = c
            db.onCommit { self.push(PushType.conversationUpdated, conversation, body: body, members: members, withUnread: false) }
        }
    }

    struct ConversationChanged: Encodable {
        var conversationId: String
        var orderState: String
        var readOnlyAt: String?
    }

    /// An accepted proof of delivery becomes a card in the order's chat: its photos and to whom the
    /// flowers were handed (no positions, no checks: those are the shop's).
    func applyProof(_ db: SQLiteConnection, _ proof: Proof) throws {
        guard var c = try ConversationRow.load(db, order: proof.orderId), owns(c.id) else { return }
        let card: JSONValue = .object([
            "type": .string("proofOfDelivery"), "proofId": .string(proof.id),
            "photos": .array(proof.photos.map { .string($0.id) }), "handedTo": .string(proof.handedTo.kind.rawValue),
            "at": .string(proof.submittedAt),
        ])
        try append(
            db, &c, senderId: "posy", party: .system, clientMsgId: nil, kind: .card, text: "Proof of delivery", card: card,
            at: nowText)
    }
}
