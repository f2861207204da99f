/// What an erasure forgets of its orders (docs/architecture.md, "Privacy").
public enum ErasureScope: String, Codable, Sendable {
    /// Everything personal: a person's erasure on request.
    case person
    /// Phones, addresses and the door's position only: the retention of contact details.
    case contact
}
