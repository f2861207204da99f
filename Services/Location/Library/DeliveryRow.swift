import Foundation
import PosySchema
import PosyStore

/// One order as posy-location follows it: who delivers it where by when, and the state of its
/// geofences, ETA and alerts, so each alert fires once across restarts. Times are seconds since
/// 1970 on the service clock (device times for the fixes that set them).
struct DeliveryRow: Codable, Sendable, Equatable {
    var orderId: String
    var shopId: String
    var conversationId: String
    var customerId: String?
    var courierId: String?
    var state: OrderState
    var vehicle: Vehicle?
    var destLat: Double?
    var destLon: Double?
    var windowEnd: String
    /// When this courier was given the order (service clock): fixes of theirs from before are refused
    /// while it is under way. Nil on rows written before it was kept.
    var assignedAt: Double?
    /// Pickup (the start of the delivery's track), departure, end.
    var startedAt: Double?
    var departedAt: Double?
    var endedAt: Double?
    /// Metres along the track, pickup to end, written when the delivery ends: the summary that stays
    /// once the positions' retention removed them (docs/operations.md, "Retention").
    var trackMeters: Double?
    var shopFence: GeofenceCrossing?
    var arrivalFence: GeofenceCrossing
    var nearFence: GeofenceCrossing
    var departedSent = false
    var arrivingSent = false
    /// The first prediction after departure, before the shop's correction (seconds, hand-over included).
    var predictedAtDeparture: Double?
    /// The latest prediction: arrival time, and what it was computed from.
    var predictedArrival: Double?
    var etaSeconds: Double?
    var etaFromTrack: Bool?
    var riskActive = false
    var riskLateBy: Double?
    /// When the courier was last heard from (service clock), for `signalLost`.
    var lastHeard: Double?
    var signalLost = false
    /// Since when the courier has been within the stuck radius (device time of the fix).
    var nearSince: Double?
    var stuckSent = false

    init(_ order: Order, config: LocationConfig) {
        orderId = order.id
        shopId = order.shopId
        conversationId = order.conversationId
        customerId = order.customer?.id
        state = order.state
        windowEnd = order.window.end
        arrivalFence = GeofenceCrossing(radius: config.arrivalRadius, once: true, firstFixEnters: true)
        nearFence = GeofenceCrossing(radius: config.stuckRadius, firstFixEnters: true)
    }

    /// Orders whose courier's fixes are followed.
    var isActive: Bool { courierId != nil && Self.activeStates.contains(state) }
    static let activeStates: Set<OrderState> = [.accepted, .pickedUp, .outForDelivery, .arriving]

    /// Out of the shop (or seen leaving it): the arrival geofence and the silence watch run.
    var isOut: Bool { isShared || (state == .pickedUp && departedSent) }
    /// What the customer may follow: the order is out for delivery or arriving (not merely seen
    /// leaving before posy-orders moved it).
    var isShared: Bool { state == .outForDelivery || state == .arriving }

    var windowEndTime: Double? { Timestamp.parse(windowEnd)?.timeIntervalSince1970 }

    static func load(_ db: SQLiteConnection, _ orderId: String) throws -> DeliveryRow? {
        try db.queryOne("SELECT body FROM deliveries WHERE order_id = ?", orderId)?.data(0).map(decode)
    }

    /// A courier's active deliveries (once per position: must stay on `deliveries_courier`).
    static let activeByCourier = "SELECT body FROM deliveries WHERE courier_id = ? AND active = 1"
    /// A shop's active deliveries (the live map: `deliveries_shop`).
    static let activeByShop = "SELECT courier_id, order_id FROM deliveries WHERE shop_id = ? AND active = 1"

    static func active(_ db: SQLiteConnection, courier: String) throws -> [DeliveryRow] {
        try db.query(activeByCourier, courier).compactMap { $0.data(0) }.map(decode)
    }

    static func allActive(_ db: SQLiteConnection) throws -> [DeliveryRow] {
        try db.query("SELECT body FROM deliveries WHERE active = 1").compactMap { $0.data(0) }.map(decode)
    }

    func save(_ db: SQLiteConnection) throws {
        try db.run(
            """
            INSERT INTO deliveries(order_id, courier_id, shop_id, active, body) VALUES (?,?,?,?,?)
            ON CONFLICT(order_id) DO UPDATE SET courier_id = excluded.courier_id, active = excluded.active, body = excluded.body
            """, orderId, courierId, shopId, isActive ? 1 : 0, bytes)
    }

    /// The event payload about this delivery at `now`.
    func alert(at now: Date) -> DeliveryAlert {
        var a = DeliveryAlert(orderId: orderId, shopId: shopId, courierId: courierId, customerId: customerId, at: Timestamp.format(now))
        a.windowEnd = windowEnd
        return a
    }
}
