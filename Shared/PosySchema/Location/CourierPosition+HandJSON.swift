/// A kept position written by hand, as `JSON.encode` would write it (docs/performance.md, "Posy's
/// own JSON for positions"): every live position pushed to a shop's staff and, inside a
/// ``TrackingView``, to an order's customer.
extension CourierPosition: HandEncodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("accuracy")
        try w.number(accuracy)
        if let ageSeconds {
            w.key("ageSeconds")
            try w.number(ageSeconds)
        }
        if let appInBackground {
            w.key("appInBackground")
            w.bool(appInBackground)
        }
        if let arrivals {
            w.key("arrivals")
            w.openObject()
            for (order, arrival) in arrivals.sorted(by: { $0.key < $1.key }) {
                w.key(order)
                w.string(arrival)
            }
            w.closeObject()
        }
        w.key("at")
        w.string(at)
        if let courierId {
            w.key("courierId")
            w.string(courierId)
        }
        if let heading {
            w.key("heading")
            try w.number(heading)
        }
        w.key("lat")
        try w.number(lat)
        w.key("lon")
        try w.number(lon)
        if let orderIds {
            w.key("orderIds")
            w.openArray()
            for id in orderIds { w.string(id) }
            w.closeArray()
        }
        if let speed {
            w.key("speed")
            try w.number(speed)
        }
        w.closeObject()
    }
}
