import Foundation
import PosySchema
import PosyStore

extension MessagingService {
    /// The order assistant's turn after a customer's text message it answers (``OrderAssistant/answers(_:handedOver:)``,
    /// checked by the send before this task starts): it reads what the customer may
    /// know (the order from posy-orders, the courier's distance and ETA from posy-location while out
    /// for delivery — each with a short timeout, so a slow peer makes a shorter answer, not a late
    /// one) and writes its reply as the `assistant` party. A hand-over marks the conversation as
    /// needing a person, which the shop's staff see on it (`needsPersonSince`).
    func assist(_ conversationId: String, question: String, askedAt seq: Int64) async {
        let started = ContinuousClock.now
        do {
            let c = try await store.read { db in try ConversationRow.load(db, conversationId) }
            guard let c, let orderId = c.orderId else { return }
            // Handed over while this waited: the person answers what the assistant cannot.
            guard OrderAssistant.answers(question, handedOver: c.needsPersonAt != nil) else { return }
            let facts = OrderAssistant.intent(question) == .whereIsIt ? await self.facts(orderId: orderId, shopId: c.shopId) : nil
            let reply = OrderAssistant.reply(to: question, facts: facts)
            try await store.write { db in
                guard var c = try ConversationRow.load(db, conversationId), !c.isReadOnly(at: self.nowSeconds) else { return }
                // Already handed over: what it cannot answer waits for the person it asked.
                if c.needsPersonAt != nil, reply.intent == .unknown { return }
                try self.append(
                    db, &c, senderId: "assistant", party: .assistant, clientMsgId: "assistant-\(seq)", kind: .text,
                    text: reply.text, at: self.nowText)
                if reply.handOver, c.needsPersonAt == nil {
                    try db.run("UPDATE conversations SET needs_person_at = ? WHERE id = ?", self.nowText, c.id)
                    try Self.recordChange(db, c.id, type: "conversation", ref: "state")
                    self.metrics.increment("assistant_handovers")
                }
            }
            metrics.increment("assistant_replies_\(reply.intent.rawValue)")
            metrics.observe("assistant_reply", seconds: (ContinuousClock.now - started) / .seconds(1))
        } catch {
            logger.warning("assistant could not answer", metadata: ["conversation": "\(conversationId)", "error": "\(error)"])
        }
    }

    /// What the customer may know of the order, from its services (nil if posy-orders does not answer).
    func facts(orderId: String, shopId: String) async -> AssistantFacts? {
        guard let order = try? await call(OrdersRPC.get, OrdersRPC.OrderQuery(id: orderId), timeout: .milliseconds(250))
        else { return nil }
        var facts = AssistantFacts(
            state: order.state, windowStart: order.window.start, windowEnd: order.window.end,
            deliveredAt: order.deliveredAt)
        facts.timeZone = try? await store.read { db in try db.queryOne("SELECT time_zone FROM shops WHERE id = ?", shopId)?.string(0) }
        if order.state == .outForDelivery || order.state == .arriving,
            let tracking = try? await call(LocationRPC.tracking, OrderRef(orderId: orderId), timeout: .milliseconds(200))
        {
            facts.distanceMeters = tracking.distanceMeters
            facts.etaSeconds = tracking.eta?.seconds
            facts.etaAt = tracking.eta?.at
        }
        return facts
    }
}
