/// A tracking link's session id (docs/protocol.md, "What a tracking link may do"): every link of
/// an order carries `tl.<orderId>.<generation>` as its token's `sid`. posy-orders keeps the order's
/// current generation; renewing the link moves it on, and every older link grants nothing from then
/// on — the gateway hears it on `fleet.access.ended` like a signed-out session.
public enum TrackingLink {
    static let prefix = "tl."

    public static func sid(order: String, generation: Int) -> String { "\(prefix)\(order).\(generation)" }

    /// The order and generation a link's `sid` names; nil when it is not a link's.
    public static func parse(_ sid: String) -> (order: String, generation: Int)? {
        guard sid.hasPrefix(prefix), let dot = sid.lastIndex(of: ".") else { return nil }
        let order = sid[sid.index(sid.startIndex, offsetBy: prefix.count)..<dot]
        guard !order.isEmpty, let generation = Int(sid[sid.index(after: dot)...]), generation >= 0 else { return nil }
        return (String(order), generation)
    }

    /// The response to `POST /v1/orders/{id}/tracking-link` inside the suite: what the gateway needs
    /// to mint the new link.
    public struct Renewed: Codable, Sendable, Equatable {
        public var orderId: String
        public var customerId: String
        public var generation: Int
        public var windowEnd: String

        public init(orderId: String, customerId: String, generation: Int, windowEnd: String) {
            self.orderId = orderId
            self.customerId = customerId
            self.generation = generation
            self.windowEnd = windowEnd
        }
    }
}
