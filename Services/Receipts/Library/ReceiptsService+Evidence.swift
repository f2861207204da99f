import Foundation
import PosyAccess
import PosyCore
import PosyReceiptsPolicy
import PosySchema
import PosyStore

extension ReceiptsService {
    /// `evidence.bundle`: staff of the shop (and admins) get everything; the order's customer gets
    /// their own order's, without the shop-only checks, positions and chain records.
    public func evidence(_ r: ReceiptsRPC.OrderRef, for viewer: Viewer) async throws -> EvidenceBundle {
        let order = try await visibleOrder(r.orderId, for: viewer)
        let isCustomer = viewer.isCustomer(order.customer?.id, of: order.id)
        let isShop = viewer.isService || viewer.isStaff(of: order.shopId)
        guard isShop || isCustomer else {
            throw PosyError(.forbidden, "the evidence of an order is for its shop and its customer")
        }
        async let orderSection = section(OrdersRPC.get.service) {
            try await self.callData(OrdersRPC.get, OrdersRPC.OrderQuery(id: order.id), as: viewer)
        }
        async let timeline = section(OrdersRPC.timeline.service) {
            try await self.callData(OrdersRPC.timeline, OrdersRPC.OrderQuery(id: order.id), as: viewer)
        }
        let shard = MessagingRPC.instance(of: order.conversationId) ?? MessagingRPC.instance(shard: 1)
        async let chat = section(shard) {
            try await self.callData(
                MessagingRPC.transcript, MessagingRPC.ConversationRef(conversationId: order.conversationId), as: viewer, on: shard)
        }
        async let track = section(LocationRPC.track.service) {
            try await self.callData(LocationRPC.track, OrderRef(orderId: order.id), as: viewer)
        }
        let (mediaItems, (records, chain, personal)) = try await store.read { db in
            (try Self.mediaOf(db, order: order.id), try self.openChain(db, orderId: order.id))
        }
        // Proofs and answers are shown as their chain records hold them, next to the verdict on those
        // records, with the personal values they commit to put back (absent where erased).
        func bodies<T: Decodable>(_ kinds: Set<String>, as: T.Type) -> [T] {
            records.filter { kinds.contains($0.kind) }.compactMap { try? JSON.decode(T.self, from: Data(personal.opened($0).utf8)) }
        }
        let proofs = bodies(["proof"], as: Proof.self)
        let confirmations = bodies(["confirmation", "dispute"], as: DeliveryConfirmation.self)
        let looks = bodies(["look"], as: LookVerdict.self)
        return EvidenceBundle(
            orderId: order.id, generatedAt: now, order: await orderSection, timeline: await timeline, chat: await chat,
            track: await track, proofs: isShop ? proofs : proofs.map(ReceiptsVisibility.customerView),
            confirmations: isShop ? confirmations : confirmations.map(ReceiptsVisibility.customerView), looks: looks,
            media: mediaItems, records: isShop ? records : nil, chain: chain)
    }

    /// A section from another service, or why it is not there.
    func section(_ source: String, _ fetch: @Sendable () async throws -> Data) async -> EvidenceSection {
        do {
            let data = try await fetch()
            return EvidenceSection(available: true, source: source, data: try JSON.decode(JSONValue.self, from: data))
        } catch let e as PosyError where e.code == .unknownMethod {
            return EvidenceSection(available: false, source: source, reason: "\(source) does not provide this yet")
        } catch let e as PosyError {
            return EvidenceSection(available: false, source: source, reason: "\(e.code.rawValue): \(e.message)")
        } catch {
            return EvidenceSection(available: false, source: source, reason: "\(error)")
        }
    }

    /// `evidence.verify`: re-hashes the chain (admins, staff of the shop, services).
    public func verify(_ r: ReceiptsRPC.OrderRef, for viewer: Viewer) async throws -> ChainVerification {
        if !viewer.isService {
            let order = try await visibleOrder(r.orderId, for: viewer)
            guard viewer.isStaff(of: order.shopId) else { throw PosyError(.forbidden, "staff of the shop verify its evidence") }
        }
        let (records, verdict) = try await store.read { db in try self.verifyChain(db, orderId: r.orderId) }
        guard !records.isEmpty || !verdict.ok else { throw PosyError(.notFound, "order \(r.orderId) has no evidence records") }
        return verdict
    }

    /// Photos inlined into one evidence page, at most (later ones are listed by hash only).
    static let maxInlinedBytes: Int64 = 40 << 20

    /// `evidence.html`: the bundle as one page, image media inlined.
    public func evidencePage(_ r: ReceiptsRPC.OrderRef, for viewer: Viewer) async throws -> Data {
        let bundle = try await evidence(r, for: viewer)
        var images: [String: (String, Data)] = [:]
        var inlined: Int64 = 0
        // Base64 grows the photos by a third; the page must stay well inside one RPC reply (64 MiB).
        for m in bundle.media where m.kind == .image && m.purgedAt == nil && inlined + m.size <= Self.maxInlinedBytes {
            if let bytes = try? await media.read(m.sha256, offset: 0, length: Int(m.size)) {
                images[m.id] = (m.contentType, bytes)
                inlined += m.size
            }
        }
        return Data(EvidencePage.render(bundle, images: images).utf8)
    }
}
