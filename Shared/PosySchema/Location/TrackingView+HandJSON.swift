/// An order's tracking written by hand, as `JSON.encode` would write it (docs/performance.md,
/// "Posy's own JSON for positions"): the body of every `order.position` push to a customer.
extension TrackingView: HandEncodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        if let distanceMeters {
            w.key("distanceMeters")
            try w.number(distanceMeters)
        }
        if let eta {
            w.key("eta")
            w.openObject()
            w.key("at")
            w.string(eta.at)
            w.key("fromTrack")
            w.bool(eta.fromTrack)
            w.key("seconds")
            try w.number(eta.seconds)
            w.closeObject()
        }
        w.key("orderId")
        w.string(orderId)
        if let position {
            w.key("position")
            try position.write(to: &w)
        }
        w.key("state")
        w.string(state.rawValue)
        w.key("windowEnd")
        w.string(windowEnd)
        w.closeObject()
    }
}
