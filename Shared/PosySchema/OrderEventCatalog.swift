/// Every durable event type of an order's life, by name (docs/protocol.md, "Events"): what a
/// notification rule may name. posy-notify refuses rules naming anything else, so a misspelt event
/// is an error at start, not a rule that never fires.
public enum OrderEventCatalog {
    public static let all: Set<String> = {
        let orders: [String] = [
            OrdersEvents.assignmentUnacknowledged.topic, OrdersEvents.changeRequested.topic, OrdersEvents.changeApplied.topic,
            OrdersEvents.changeRejected.topic, OrdersEvents.exceptionOpened.topic, OrdersEvents.exceptionAcknowledged.topic,
            OrdersEvents.exceptionResolved.topic, OrdersEvents.exceptionEscalated.topic,
        ]
        let receipts: [String] = [
            ReceiptsEvents.proofAccepted.topic, ReceiptsEvents.deliveryConfirmed.topic, ReceiptsEvents.deliveryDisputed.topic,
        ]
        let location: [String] = [
            LocationEvents.departed.topic, LocationEvents.arriving.topic, LocationEvents.delayRisk.topic,
            LocationEvents.signalLost.topic, LocationEvents.signalRestored.topic, LocationEvents.stuck.topic,
        ]
        var all = Set(OrderState.allCases.map(\.eventType))
        all.formUnion(orders)
        all.formUnion(receipts)
        all.formUnion(location)
        return all
    }()
}
