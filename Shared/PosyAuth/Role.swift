/// Who a token speaks for (design §5).
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, staff, courier, customer
}
