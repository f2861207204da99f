/// A shop's own retention, within the bounds the table allows (``RetentionTable/shopBounds``);
/// a field left out follows the deployment's.
public struct ShopRetention: Codable, Sendable, Equatable {
    public var contactDays: Double?
    public var chatDays: Double?

    public init(contactDays: Double? = nil, chatDays: Double? = nil) {
        self.contactDays = contactDays
        self.chatDays = chatDays
    }

    /// `invalid_field` naming the first value outside its bounds.
    public func validate() throws(PosyError) {
        for (name, kind, value) in [("contactDays", RetentionKind.contact, contactDays), ("chatDays", .chat, chatDays)] {
            guard let value else { continue }
            let bounds = RetentionTable.shopBounds[kind]!
            guard value.isFinite, bounds.contains(value) else {
                throw PosyError(.invalidField, "\(name): \(Int(bounds.lowerBound))–\(Int(bounds.upperBound)) days")
            }
        }
    }
}
