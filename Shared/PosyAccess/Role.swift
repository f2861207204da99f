/// Who a token speaks for (docs/protocol.md, "Tokens").
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, staff, courier, customer
}
