/// What posy-orders asks each store for an export: its part of the person's orders.
public struct ExportPartRequest: Codable, Sendable, Equatable {
    public var orders: [ErasureTarget]
    public var customerId: String?
    /// The person's phone numbers as the orders held them, for messages sent to them.
    public var phones: [String]

    public init(orders: [ErasureTarget], customerId: String?, phones: [String]) {
        self.orders = orders
        self.customerId = customerId
        self.phones = phones
    }
}
