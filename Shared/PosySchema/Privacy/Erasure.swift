/// An erasure request and where it stands (`GET /v1/privacy/erasures/{id}`).
public struct Erasure: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case running, done }

    public var v: Int = 1
    public var id: String
    /// The shop whose data it covers; nil for an admin's erasure across every shop.
    public var shopId: String?
    /// How the person was named: `customerId`, `phone` or `courierId` (never the value itself);
    /// `retention` for contact details past their days.
    public var subject: String
    public var state: State
    /// The orders whose personal data it erased.
    public var orders: [String]
    /// Every store that takes part, and what it did.
    public var steps: [ErasureStep]
    public var requestedAt: String
    public var finishedAt: String?

    public init(
        id: String, shopId: String?, subject: String, state: State, orders: [String], steps: [ErasureStep], requestedAt: String,
        finishedAt: String?
    ) {
        self.id = id
        self.shopId = shopId
        self.subject = subject
        self.state = state
        self.orders = orders
        self.steps = steps
        self.requestedAt = requestedAt
        self.finishedAt = finishedAt
    }
}

/// One store's part of an erasure.
public struct ErasureStep: Codable, Sendable, Equatable {
    public var instance: String
    public var done: Bool
    public var counts: [String: Int]
    public var at: String?

    public init(instance: String, done: Bool, counts: [String: Int], at: String?) {
        self.instance = instance
        self.done = done
        self.counts = counts
        self.at = at
    }
}
