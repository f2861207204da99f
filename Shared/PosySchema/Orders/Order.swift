/// A flower order as `posy-orders` stores it and as views of it go on the wire. Fields a viewer may
/// not see are nil in their view (see `OrderVisibility` in `PosyOrders`).
public struct Order: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var id: String
    public var shopId: String
    /// The order's chat, `m<shard>-<id>` (docs/architecture.md, "Messaging").
    public var conversationId: String
    public var state: OrderState
    public var customer: OrderCustomer?
    public var recipient: OrderRecipient?
    public var sender: OrderSender?
    public var items: [OrderItem]
    public var cardMessage: String?
    public var handling: OrderHandling
    public var window: DeliveryWindow
    /// No contact with the recipient before arrival.
    public var surprise: Bool
    public var notes: String?
    /// Where to leave the flowers if the recipient is out (a customer change).
    public var dropOff: DropOffInstruction?
    public var courierId: String?
    /// The assigned courier as everyone on the order may know them: first name and vehicle.
    public var courier: CourierSummary?
    /// While `assigned`: when the assignment goes unanswered (posy-orders' `--accept-timeout`) and the
    /// shop is told; the courier's app counts down to it.
    public var acceptBy: String?
    public var failureReason: String?
    /// Which of the order's tracking links is the live one (``TrackingLink``); nil is the first.
    public var linkGeneration: Int?
    public var createdAt: String
    public var updatedAt: String
    public var deliveredAt: String?
    /// Set when the personal data of the order was erased (docs/architecture.md, "Privacy"): its
    /// names, phones, address, card message and notes are empty from then on.
    public var erasure: OrderErasure?
    /// Set when its phones and address went at the end of their retention (docs/operations.md, "Retention").
    public var contactRedacted: OrderErasure?
    /// The courier calls the recipient through a masked number (`POST /v1/orders/{id}/call-number`),
    /// and never sees the recipient's own.
    public var maskedCalls: Bool?

    public init(
        id: String, shopId: String, conversationId: String, state: OrderState = .placed, customer: OrderCustomer?,
        recipient: OrderRecipient?, sender: OrderSender?, items: [OrderItem], cardMessage: String?,
        handling: OrderHandling, window: DeliveryWindow, surprise: Bool, notes: String?, courierId: String? = nil,
        failureReason: String? = nil, createdAt: String, updatedAt: String, deliveredAt: String? = nil
    ) {
        self.id = id
        self.shopId = shopId
        self.conversationId = conversationId
        self.state = state
        self.customer = customer
        self.recipient = recipient
        self.sender = sender
        self.items = items
        self.cardMessage = cardMessage
        self.handling = handling
        self.window = window
        self.surprise = surprise
        self.notes = notes
        self.courierId = courierId
        self.failureReason = failureReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deliveredAt = deliveredAt
    }
}

/// What a customer learns about their courier: the first word of the name and the vehicle.
public struct CourierSummary: Codable, Sendable, Equatable {
    public var firstName: String
    public var vehicle: Vehicle

    public init(firstName: String, vehicle: Vehicle) {
        self.firstName = firstName
        self.vehicle = vehicle
    }

    public init(_ c: Courier) {
        self.init(firstName: String(c.name.split(separator: " ").first ?? ""), vehicle: c.vehicle)
    }
}
