import Foundation
import PosyAccess
import PosyReceiptsPolicy
import PosySchema
import PosyStore

extension ReceiptsService {
    /// `proof.look`: after looking at the flowers on the courier's video call, the order's customer
    /// says "looks good" or "please fix" — with the frame their browser took — and it becomes a
    /// record of the order's evidence chain (docs/protocol.md, "Calls"), so that a later dispute
    /// sees that the customer looked. Only while the order is on its way; a tracking link may.
    public func look(_ r: ReceiptsRPC.LookRequest, for viewer: Viewer) async throws -> LookVerdict {
        let order = try await visibleOrder(r.orderId, for: viewer)
        guard viewer.isCustomer(order.customer?.id, of: order.id) else {
            throw PosyError(.forbidden, "only the order's customer says how the flowers look")
        }
        guard Self.proofStates.contains(order.state) else {
            throw PosyError(.invalidTransition, "the flowers are looked at while the order is on its way, not \(order.state.rawValue)")
        }
        let input = r.look
        if let note = input.note, note.count > 500 { throw PosyError(.invalidField, "note: at most 500 characters") }
        if let call = input.callId, call.isEmpty || call.utf8.count > 64 { throw PosyError(.invalidField, "callId: 1…64 characters") }
        let now = self.now
        return try await store.write { db -> LookVerdict in
            var snapshot: ProofMedia?
            if let id = input.snapshotId {
                guard let (m, _) = try Self.loadMedia(db, id), m.orderId == order.id, m.purgedAt == nil, m.kind == .image else {
                    throw PosyError(.invalidField, "snapshotId: no image \(id) on this order")
                }
                snapshot = ProofMedia(m)
            }
            let verdict = LookVerdict(
                orderId: order.id, shopId: order.shopId, ok: input.ok, note: input.note?.trimmingCharacters(in: .whitespacesAndNewlines),
                snapshot: snapshot, callId: input.callId, at: now)
            try EvidenceChain.append(db, seal: self.seal, orderId: order.id, kind: "look", at: now, verdict)
            return verdict
        }
    }
}
