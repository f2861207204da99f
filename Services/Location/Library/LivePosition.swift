import PosySchema

/// A courier's new position as it is pushed once the batch committed: to the shop's staff (the live
/// map) and to the customer of each order out for delivery with them.
struct LivePosition: Sendable {
    var shopId: String
    var courier: CourierPosition
    var customers: [CustomerView]

    struct CustomerView: Sendable {
        var customerId: String
        var conversationId: String
        var view: TrackingView
    }
}
