import Foundation
import PosyAccess
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore

extension ReceiptsService {
    /// `proof.confirm`: the order's customer confirms (`delivery.confirmed`, orders completes the
    /// order) or disputes (`delivery.disputed`, the shop is alerted) within ``ReceiptsConfig/confirmWithin``
    /// of the proof. One answer per delivery.
    public func confirm(_ r: ReceiptsRPC.ConfirmRequest, for viewer: Viewer) async throws -> DeliveryConfirmation {
        let order = try await visibleOrder(r.orderId, for: viewer)
        guard viewer.isCustomer(order.customer?.id, of: order.id) else {
            throw PosyError(.forbidden, "only the order's customer confirms or disputes its delivery")
        }
        let input = r.confirmation
        if !input.ok {
            guard input.reason != nil else {
                throw PosyError(.invalidField, "reason: one of \(DisputeReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        } else if input.reason != nil || !(input.mediaIds ?? []).isEmpty {
            throw PosyError(.invalidField, "a confirmation takes no reason or media; send ok: false to dispute")
        }
        guard (input.note ?? "").count <= 2000, (input.mediaIds ?? []).count <= 10 else {
            throw PosyError(.invalidField, "note up to 2000 characters, at most 10 mediaIds")
        }
        let nowDate = clock()
        let now = Timestamp.format(nowDate)
        let events = self.events
        // Only the customer answers: their reply is their view of the record (no courier id).
        let recorded = try await store.write { db -> DeliveryConfirmation in
            guard let proof = try db.queryOne("SELECT confirm_by, outcome FROM proofs WHERE order_id = ?", order.id) else {
                throw PosyError(.invalidTransition, "order \(order.id) has no accepted proof of delivery yet")
            }
            if let outcome = proof.string(1) {
                throw PosyError(.conflict, "this delivery was already answered (\(outcome))")
            }
            guard nowDate.timeIntervalSince1970 <= proof.double(0)! else {
                throw PosyError(.invalidTransition, "the time to confirm or dispute this delivery has passed")
            }
            var media: [ProofMedia] = []
            for id in input.mediaIds ?? [] {
                guard let (m, _) = try Self.loadMedia(db, id), m.orderId == order.id, m.purgedAt == nil else {
                    throw PosyError(.invalidField, "media \(id): no such media on this order")
                }
                media.append(ProofMedia(m))
            }
            let c = DeliveryConfirmation(
                orderId: order.id, shopId: order.shopId, courierId: order.courierId,
                customerId: order.customer?.id, ok: input.ok, by: "customer", reason: input.reason,
                note: input.note, media: media, at: now)
            try Self.record(db, c, now: nowDate, events: events, seal: self.seal)
            return c
        }
        return ReceiptsVisibility.customerView(recorded)
    }

    /// Stores an answer, chains it and emits its event (inside the caller's write).
    static func record(_ db: SQLiteConnection, _ c: DeliveryConfirmation, now: Date, events: EventLog, seal: EvidenceSeal) throws {
        let outcome = c.ok ? (c.by == "deadline" ? "confirmed-by-deadline" : "confirmed") : "disputed"
        try db.run(
            "UPDATE proofs SET outcome = ?, completed_at = ? WHERE order_id = ?",
            outcome, c.ok ? now.timeIntervalSince1970 : nil, c.orderId)
        try EvidenceChain.append(db, seal: seal, orderId: c.orderId, kind: c.ok ? "confirmation" : "dispute", at: c.at, c)
        try events.emit(db, c.ok ? ReceiptsEvents.deliveryConfirmed : ReceiptsEvents.deliveryDisputed, c)
    }
}
