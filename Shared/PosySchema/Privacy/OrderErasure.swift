/// Marks an order whose personal data was erased: when, and by which request.
public struct OrderErasure: Codable, Sendable, Equatable {
    public var at: String
    public var requestId: String

    public init(at: String, requestId: String) {
        self.at = at
        self.requestId = requestId
    }
}
