import Foundation
import PosySchema
import PosyStore
import Testing

@testable import PosyLocation

/// A delivery's state as stored: tagged bytes (docs/architecture.md, "Location"), read back
/// exactly, JSON rows from before still read, fields from a newer version skipped, damage refused.
@Suite struct DeliveryRowBytesTests {
    /// Every field set, fences mid-ride.
    static var full: DeliveryRow {
        var d = DeliveryRow(
            Order(
                id: "o1", shopId: "s1", conversationId: "m1-o1", state: .outForDelivery,
                customer: OrderCustomer(id: "c1", name: "Mei"),
                recipient: OrderRecipient(name: "Mum", phone: "2", address: "9 Home Rd", lat: 31.248, lon: 121.47), sender: nil,
                items: [OrderItem(name: "carnations", quantity: 12)], cardMessage: nil, handling: OrderHandling(),
                window: DeliveryWindow(start: "2027-02-14T10:00:00Z", end: "2027-02-14T12:00:00Z"), surprise: false, notes: nil,
                courierId: "k1", createdAt: "2027-02-14T09:00:00Z", updatedAt: "2027-02-14T09:30:00Z"),
            config: LocationConfig())
        d.courierId = "k1"
        d.vehicle = .ebike
        d.destLat = 31.248
        d.destLon = -121.470_000_000_1
        d.assignedAt = 1_800_000_000.25
        d.startedAt = 1_800_000_100
        d.departedAt = 1_800_000_200
        d.endedAt = 1_800_003_000
        d.trackMeters = 2_013.5
        var shop = GeofenceCrossing(radius: 100)
        shop.start(inside: true)
        _ = shop.update(distance: 140)
        d.shopFence = shop
        _ = d.arrivalFence.update(distance: 120)
        _ = d.nearFence.update(distance: 900)
        d.departedSent = true
        d.arrivingSent = true
        d.predictedAtDeparture = 840
        d.predictedArrival = 1_800_001_040.5
        d.etaSeconds = 612.75
        d.etaFromTrack = false
        d.riskActive = true
        d.riskLateBy = 300
        d.lastHeard = 1_800_000_950
        d.signalLost = true
        d.nearSince = 1_800_000_900
        d.stuckSent = true
        return d
    }

    /// Only what a row must have.
    static var bare: DeliveryRow {
        var d = full
        (d.customerId, d.courierId, d.vehicle, d.destLat, d.destLon) = (nil, nil, nil, nil, nil)
        (d.assignedAt, d.startedAt, d.departedAt, d.endedAt, d.trackMeters) = (nil, nil, nil, nil, nil)
        (d.shopFence, d.predictedAtDeparture, d.predictedArrival, d.etaSeconds, d.etaFromTrack) = (nil, nil, nil, nil, nil)
        (d.riskLateBy, d.lastHeard, d.nearSince) = (nil, nil, nil)
        (d.departedSent, d.arrivingSent, d.riskActive, d.signalLost, d.stuckSent) = (false, false, false, false, false)
        d.arrivalFence = GeofenceCrossing(radius: 150, once: true, firstFixEnters: true)
        return d
    }

    static func expectMalformed(_ data: Data, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let d = try DeliveryRow.decode(data)
            Issue.record("read \(d.orderId) from damaged bytes: \(comment)", sourceLocation: sourceLocation)
        } catch let e as PosyError {
            #expect(e.code == .internal && e.message.hasPrefix("malformed stored record"), "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyFieldComesBackExactly() throws {
        for row in [Self.full, Self.bare] {
            let bytes = row.bytes
            #expect(bytes.first == DeliveryRow.bytesMarker)
            #expect(try DeliveryRow.decode(bytes) == row)
            // Far smaller than the JSON it replaces.
            #expect(bytes.count < (try JSON.encode(row)).count / 2)
        }
        #expect(Self.full.bytes.count > Self.bare.bytes.count)
        #expect(try DeliveryRow.decode(Self.full.bytes).shopFence?.inside == false)
    }

    @Test func rowsWrittenAsJSONBeforeAreStillRead() throws {
        for row in [Self.full, Self.bare] {
            #expect(try DeliveryRow.decode(try JSON.encode(row)) == row)
        }
    }

    @Test func fieldsFromANewerVersionAreSkipped() throws {
        var newer = TaggedBytes.Writer()
        newer.bool(40, true)
        newer.double(41, 2.5)
        newer.text(42, "later")
        var inner = TaggedBytes.Writer()
        inner.text(1, "nested")
        newer.record(63, inner)
        let data = Self.full.bytes + Data(newer.bytes)
        #expect(try DeliveryRow.decode(data) == Self.full)
    }

    @Test func damagedBytesAreRefusedWithTheirCode() throws {
        let good = Self.full.bytes
        // Cut inside the last field (a bool: its tag without its value) and inside a double.
        Self.expectMalformed(good.dropLast(), "cut in the last field")
        var cut = TaggedBytes.Writer()
        cut.text(1, "o1")
        Self.expectMalformed(Data([DeliveryRow.bytesMarker]) + Data(cut.bytes) + Data([0x48, 1, 2, 3]), "a double cut short")
        // A length past the end.
        Self.expectMalformed(Data([DeliveryRow.bytesMarker, 0x81, 0xff, 0xff, 0xff, 0x7f, 0x41]), "text longer than the row")
        // Field number 0, a bool that is neither 0 nor 1, a known field of the wrong kind.
        Self.expectMalformed(good + Data([0x00, 0x01]), "field 0")
        Self.expectMalformed(good + Data([0x13, 0x02]), "bool of 2")
        Self.expectMalformed(good + Data([0x01, 0x01]), "the order id as a bool")
        // A required field missing: the same row without its order id.
        var noOrder = TaggedBytes.Writer()
        noOrder.text(2, "s1")
        Self.expectMalformed(Data([DeliveryRow.bytesMarker]) + Data(noOrder.bytes), "no order id")
        // A state this version does not know.
        var w = TaggedBytes.Writer()
        w.text(6, "teleported")
        Self.expectMalformed(good + Data(w.bytes), "unknown state")
    }
}
