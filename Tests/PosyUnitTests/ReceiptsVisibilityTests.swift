import Foundation
import PosyAccess
import PosyOrders
import PosyReceipts
import PosyReceiptsPolicy
import PosySchema
import Testing

/// Who sees posy-receipts' events on their stream, and what of them.
@Suite struct ReceiptsVisibilityTests {
    static let proof = Proof(
        id: "pf1", orderId: "o1", shopId: "s1", courierId: "k1", customerId: "c1",
        photos: [ProofMedia(id: "m1", sha256: "ab", contentType: "image/jpeg", size: 10)], signature: nil,
        lat: 52.5, lon: 13.4, accuracy: 5, handedTo: HandOver(kind: .neighbour, name: "Mrs Schulz"), recipientName: nil,
        note: nil, checks: ProofChecks(distanceMeters: 3, farFromAddress: false, late: true, lateMinutes: 4, photos: [], flags: ["late"]),
        submittedAt: "2026-05-10T11:00:00Z")

    static func envelope(_ type: String, _ payload: some Encodable) throws -> Envelope {
        Envelope(src: "receipts", epoch: "e", seq: 1, type: type, at: "2026-05-10T11:00:00Z", trace: "", data: try JSON.encode(payload))
    }

    static let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
    static let otherStaff = Viewer.user(sub: "st2", role: .staff, shop: "s2", order: nil)
    static let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)
    static let otherCourier = Viewer.user(sub: "k2", role: .courier, shop: "s1", order: nil)
    static let customer = Viewer.user(sub: "c1", role: .customer, shop: nil, order: nil)
    static let otherCustomer = Viewer.user(sub: "c2", role: .customer, shop: nil, order: nil)
    static let otherOrderLink = Viewer.user(sub: "c1", role: .customer, shop: nil, order: "o9")

    @Test func proofsReachTheShopAndCourierWholeAndTheCustomerWithoutChecks() throws {
        let e = try Self.envelope("proof.accepted", Self.proof)
        #expect(try JSON.decode(Proof.self, from: #require(ReceiptsVisibility.event(e, for: Self.staff))).checks != nil)
        #expect(try JSON.decode(Proof.self, from: #require(ReceiptsVisibility.event(e, for: Self.courier))).checks != nil)
        let mine = try JSON.decode(Proof.self, from: #require(ReceiptsVisibility.event(e, for: Self.customer)))
        #expect(mine.checks == nil && mine.lat == nil && mine.courierId == nil && mine.photos.first?.id == "m1")
        for v in [Self.otherStaff, Self.otherCourier, Self.otherCustomer, Self.otherOrderLink] {
            #expect(ReceiptsVisibility.event(e, for: v) == nil, "\(v)")
        }
        // The gateway's prefilter: the parties the proof names, nobody else.
        let audience = ReceiptsVisibility.audience(e)
        #expect([Self.staff, Self.courier, Self.customer].allSatisfy(audience.mayConcern))
        #expect(![Self.otherStaff, Self.otherCourier, Self.otherCustomer].contains(where: audience.mayConcern))
    }

    @Test func disputesReachTheShopAndTheCustomerNotTheCourier() throws {
        let c = DeliveryConfirmation(
            orderId: "o1", shopId: "s1", courierId: "k1", customerId: "c1", ok: false, by: "customer",
            reason: .wilted, note: "drooping", media: [], at: "2026-05-10T12:00:00Z")
        let disputed = try Self.envelope("delivery.disputed", c)
        #expect(ReceiptsVisibility.event(disputed, for: Self.staff) != nil)
        #expect(
            try JSON.decode(DeliveryConfirmation.self, from: #require(ReceiptsVisibility.event(disputed, for: Self.customer))).courierId
                == nil)
        #expect(ReceiptsVisibility.event(disputed, for: Self.courier) == nil)
        #expect(ReceiptsVisibility.event(disputed, for: Self.otherStaff) == nil)
        var ok = c
        ok.ok = true
        ok.reason = nil
        let confirmed = try Self.envelope("delivery.confirmed", ok)
        #expect(ReceiptsVisibility.event(confirmed, for: Self.courier) != nil)
        #expect(ReceiptsVisibility.event(confirmed, for: Self.otherCourier) == nil)
        #expect(ReceiptsVisibility.event(try Self.envelope("media.stored", ok), for: Self.staff) == nil)
    }
}
