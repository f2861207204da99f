/// Who took the flowers.
public struct HandOver: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case recipient, neighbour, reception, safePlace }
    public var kind: Kind
    /// The neighbour's name (required for `neighbour`).
    public var name: String?
    /// Where the safe place is (required for `safePlace`).
    public var description: String?

    public init(kind: Kind, name: String? = nil, description: String? = nil) {
        self.kind = kind
        self.name = name
        self.description = description
    }
}
