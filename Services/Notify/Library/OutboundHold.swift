/// An outbound delivery that waits on an assignment: sent only if `courierId` has not answered
/// the order's assignment by its time (``NotifyRule/Condition/unanswered``).
struct OutboundHold: Sendable, Equatable {
    var orderId: String
    var courierId: String
}
