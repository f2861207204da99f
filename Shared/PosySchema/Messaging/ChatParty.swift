/// The three parties of an order's conversation, plus Posy itself: `system` messages, and the
/// order `assistant` — automated, it answers the customer's questions about the order and hands
/// over to the shop. Receipts are shown per party: the shop has read a message when any of its
/// staff has. Neither Posy party has receipts or unread counts.
public enum ChatParty: String, Codable, Sendable, CaseIterable {
    case customer, shop, courier, system, assistant

    /// Written by Posy, not a person.
    public var isAutomated: Bool { self == .system || self == .assistant }
}
