import Foundation
import PosySchema

/// The parts of a durable event the rules need, whatever its type: the order it is about, its
/// shop, the people it names, and the details templates show.
struct NotifyEvent: Sendable {
    var type: String
    var orderId: String?
    var shopId: String?
    var customerId: String?
    var courierId: String?
    /// The order snapshot, for `order.<state>` events.
    var order: Order?
    var alert: DeliveryAlert?
    var kind: String?
    var note: String?
    var reason: String?
    var photoId: String?
    /// The event names exactly whom it is for: nobody is taken from the order instead.
    var namesItsPeople = false

    /// Reads `envelope`; nil for events no rule is about.
    static func read(_ envelope: Envelope) throws -> NotifyEvent? {
        let type = envelope.type
        var e = NotifyEvent(type: type)
        if type.hasPrefix(OrdersEvents.changePrefix) {
            let c = try envelope.decode(OrderChange.self)
            (e.orderId, e.shopId, e.customerId, e.courierId) = (c.orderId, c.shopId, c.customerId, c.courierId)
        } else if type.hasPrefix(OrdersEvents.exceptionPrefix) {
            let x = try envelope.decode(OrderException.self)
            (e.orderId, e.shopId, e.courierId, e.kind, e.note) = (x.orderId, x.shopId, x.courierId, x.kind.rawValue, x.note)
        } else if type == OrdersEvents.assignmentUnacknowledged.topic {
            let a = try envelope.decode(AssignmentUnacknowledged.self)
            (e.orderId, e.shopId, e.courierId) = (a.orderId, a.shopId, a.courierId)
        } else if type.hasPrefix(OrdersEvents.prefix) {
            let o = try envelope.decode(OrderEvent.self)
            (e.orderId, e.shopId, e.courierId, e.order) = (o.orderId, o.shopId, o.courierId ?? o.order?.courierId, o.order)
            e.customerId = o.order?.customer?.id
        } else if type == ReceiptsEvents.deliveryConfirmed.topic || type == ReceiptsEvents.deliveryDisputed.topic {
            let c = try envelope.decode(DeliveryConfirmation.self)
            (e.orderId, e.shopId, e.customerId, e.courierId, e.reason) = (
                c.orderId, c.shopId, c.customerId, c.courierId, c.reason?.rawValue
            )
        } else if type.hasPrefix(LocationEvents.prefix) {
            let a = try envelope.decode(DeliveryAlert.self)
            (e.orderId, e.shopId, e.customerId, e.courierId, e.alert) = (a.orderId, a.shopId, a.customerId, a.courierId, a)
        } else if type == ReceiptsEvents.proofAccepted.topic {
            let p = try envelope.decode(Proof.self)
            (e.orderId, e.shopId, e.customerId, e.courierId, e.photoId) = (
                p.orderId, p.shopId, p.customerId, p.courierId, p.photos.first?.id
            )
        } else if type == MessagingEvents.unheard.topic {
            let u = try envelope.decode(ChatUnheard.self)
            (e.orderId, e.shopId, e.namesItsPeople) = (u.orderId, u.shopId, true)
            if u.party == .customer { e.customerId = u.userId }
            if u.party == .courier { e.courierId = u.userId }
        } else {
            return nil
        }
        return e
    }
}
