import Foundation
import PosyAccess
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore

extension ReceiptsService {
    static let proofStates: Set<OrderState> = [.outForDelivery, .arriving]

    /// Whether `viewer` may hand `order` over as `input` says: the assigned courier, while the order
    /// is out for delivery or arriving; a safe place on a no-doorstep order only when the order's
    /// drop-off is a safe place the shop asked for or approved.
    static func admit(_ input: ProofInput, for order: Order, by viewer: Viewer) throws {
        guard viewer.isCourier(order.courierId, of: order.shopId) else {
            throw PosyError(.forbidden, "only the courier assigned to the order submits its proof")
        }
        guard proofStates.contains(order.state) else {
            throw PosyError(
                .invalidTransition, "proof is taken while an order is outForDelivery or arriving, not \(order.state.rawValue)")
        }
        try validate(input)
        if input.handedTo.kind == .safePlace, order.handling.noDoorstep,
            !(order.dropOff?.kind == .safePlace && order.dropOff?.allowedByShop == true)
        {
            throw PosyError(.conflict, "this order must not be left on a doorstep: a safe place needs the shop's approval on the order")
        }
    }

    /// `proof.submit`: the assigned courier hands the flowers over. Checks are recorded; the proof,
    /// its chain record and the durable `proof.accepted` (orders makes the order `delivered`) commit together.
    public func submitProof(_ r: ReceiptsRPC.ProofRequest, for viewer: Viewer) async throws -> Proof {
        let order = try await visibleOrder(r.orderId, for: viewer)
        let input = r.proof
        try Self.admit(input, for: order, by: viewer)
        let nowDate = clock()
        let now = Timestamp.format(nowDate)
        let ids = (input.photoIds ?? []) + (input.signatureId.map { [$0] } ?? [])
        let found = try await store.read { db in try ids.map { try Self.loadMedia(db, $0)?.0 } }
        var items: [ProofMedia] = []
        for (id, m) in zip(ids, found) {
            guard let m, m.orderId == order.id, m.purgedAt == nil else {
                throw PosyError(.invalidField, "media \(id): no such media on this order (upload it with ?orderId=\(order.id))")
            }
            guard m.kind == .image else { throw PosyError(.invalidField, "media \(id): a proof takes images, not \(m.kind.rawValue)") }
            items.append(ProofMedia(m))
        }
        let photos = Array(items.prefix(input.photoIds?.count ?? 0))
        let signature = input.signatureId == nil ? nil : items.last
        let checks = ProofCheck.run(order: order, input: input, photos: photos, at: nowDate, farFromAddress: config.farFromAddress)
        let proof = Proof(
            id: RecordID.make("pf"), orderId: order.id, shopId: order.shopId, courierId: order.courierId,
            customerId: order.customer?.id, photos: photos, signature: signature, lat: input.lat, lon: input.lon,
            accuracy: input.accuracy, handedTo: input.handedTo, recipientName: input.recipientName,
            note: input.note, checks: checks, submittedAt: now)
        let body = try EvidenceChain.canonical(proof)
        let confirmBy = nowDate.timeIntervalSince1970 + config.confirmWithin
        let events = self.events
        try await store.write { db in
            guard try db.queryOne("SELECT 1 FROM proofs WHERE order_id = ?", order.id) == nil else {
                throw PosyError(.conflict, "a proof of delivery was already accepted for order \(order.id)")
            }
            try db.run(
                "INSERT INTO proofs(order_id, id, shop_id, body, delivered_at, confirm_by) VALUES (?,?,?,?,?,?)",
                order.id, proof.id, order.shopId, body, nowDate.timeIntervalSince1970, confirmBy)
            try EvidenceChain.append(db, seal: self.seal, orderId: order.id, kind: "proof", at: now, proof)
            try events.emit(db, ReceiptsEvents.proofAccepted, proof)
        }
        logger.info("proof accepted", metadata: ["order": "\(order.id)", "proof": "\(proof.id)", "flags": "\(checks.flags)"])
        return proof
    }

    static func validate(_ p: ProofInput) throws(PosyError) {
        guard Geo.isValid(lat: p.lat, lon: p.lon) else { throw PosyError(.invalidField, "lat/lon out of range") }
        guard p.accuracy.isFinite, p.accuracy >= 0, p.accuracy <= 100_000 else {
            throw PosyError(.invalidField, "accuracy: metres, 0…100000")
        }
        let photos = p.photoIds ?? []
        guard !photos.isEmpty || p.signatureId != nil else {
            throw PosyError(.invalidField, "photoIds: at least one photo, unless a signatureId is given")
        }
        guard photos.count <= 10 else { throw PosyError(.invalidField, "photoIds: at most 10") }
        guard Set(photos).count == photos.count else { throw PosyError(.invalidField, "photoIds: listed twice") }
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        switch p.handedTo.kind {
        case .neighbour where blank(p.handedTo.name):
            throw PosyError(.invalidField, "handedTo.name: which neighbour took the flowers")
        case .safePlace where blank(p.handedTo.description):
            throw PosyError(.invalidField, "handedTo.description: where the flowers were left")
        default:
            break
        }
        guard (p.note ?? "").count <= 2000, (p.recipientName ?? "").count <= 200 else {
            throw PosyError(.invalidField, "note up to 2000 characters, recipientName up to 200")
        }
    }
}
