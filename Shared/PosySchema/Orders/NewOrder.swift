/// What staff send to create an order (`POST /v1/orders`, RPC `orders.create`).
public struct NewOrder: Codable, Sendable, Equatable {
    public var shopId: String
    public var customer: OrderCustomer
    public var recipient: OrderRecipient
    public var sender: OrderSender?
    public var items: [OrderItem]
    public var cardMessage: String?
    public var handling: OrderHandling?
    public var window: DeliveryWindow
    public var surprise: Bool?
    public var notes: String?
    /// Where the courier may leave the flowers if nobody is in, as the shop takes the order.
    public var dropOff: DropOffInstruction?

    public init(
        shopId: String, customer: OrderCustomer, recipient: OrderRecipient, sender: OrderSender? = nil,
        items: [OrderItem], cardMessage: String? = nil, handling: OrderHandling? = nil, window: DeliveryWindow,
        surprise: Bool? = nil, notes: String? = nil, dropOff: DropOffInstruction? = nil
    ) {
        self.dropOff = dropOff
        self.shopId = shopId
        self.customer = customer
        self.recipient = recipient
        self.sender = sender
        self.items = items
        self.cardMessage = cardMessage
        self.handling = handling
        self.window = window
        self.surprise = surprise
        self.notes = notes
    }
}
