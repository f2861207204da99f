/// The three parties of an order's conversation, plus Posy itself (system messages and, later, the
/// assistant). Receipts are shown per party: the shop has read a message when any of its staff has.
public enum ChatParty: String, Codable, Sendable, CaseIterable {
    case customer, shop, courier, system
}
