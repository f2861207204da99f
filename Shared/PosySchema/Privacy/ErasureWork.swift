/// What one erasure asks of every store: forget the personal data of `orders`.
public struct ErasureWork: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var requestId: String
    public var orders: [ErasureTarget]
    /// The person's strings as the orders held them (names, phones, addresses, the card message),
    /// for free text that may repeat them (chat, notifications). Empty once the erasure is done.
    public var needles: [String]
    public var at: String
    /// Nil (and absent on the wire) for ``ErasureScope/person``.
    public var scope: ErasureScope?
    /// A courier whose own data goes (their track; their phone is in `needles`), with no orders.
    public var courierId: String?

    /// What the erasure forgets.
    public var forgets: ErasureScope { scope ?? .person }

    public init(requestId: String, orders: [ErasureTarget], needles: [String], at: String, scope: ErasureScope = .person) {
        self.scope = scope == .person ? nil : scope
        self.requestId = requestId
        self.orders = orders
        self.needles = needles
        self.at = at
    }
}

/// One order whose personal data goes.
public struct ErasureTarget: Codable, Sendable, Equatable {
    public var orderId: String
    public var shopId: String
    public var conversationId: String
    public var customerId: String?

    public init(orderId: String, shopId: String, conversationId: String, customerId: String?) {
        self.orderId = orderId
        self.shopId = shopId
        self.conversationId = conversationId
        self.customerId = customerId
    }
}
