import PosySchema

/// How an order event reads in its chat (a `system` message). The card carries the event so apps
/// can render it in the reader's language; the text is the English default. Nothing here names a
/// surprise's sender, the card message or a failure's reason.
enum SystemText {
    static func text(for state: OrderState, courierName: String?) -> String? {
        switch state {
        case .placed: "Order placed."
        case .confirmed: "The shop confirmed the order."
        case .assigned: nil
        case .accepted: "\(courierName ?? "A courier") will deliver this order."
        case .pickedUp: "The courier picked up the flowers."
        case .outForDelivery: "Your flowers are on their way."
        case .arriving: "The courier is almost there."
        case .delivered: "Delivered."
        case .completed: "Delivery confirmed. Thank you!"
        case .cancelled: "The order was cancelled."
        case .failed: "The delivery could not be completed; the shop will be in touch."
        case .returned: "The flowers went back to the shop."
        }
    }
}
