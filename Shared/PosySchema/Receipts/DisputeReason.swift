/// Why a customer disputes a delivery.
public enum DisputeReason: String, Codable, Sendable, CaseIterable {
    case damaged, wilted, wrong, missing, late, other
}
