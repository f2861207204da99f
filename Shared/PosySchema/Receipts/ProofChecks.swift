/// The checks `posy-receipts` records on a proof for the shop.
public struct ProofChecks: Codable, Sendable, Equatable {
    /// Metres from the courier's position to the recipient's address (nil when the order has no position).
    public var distanceMeters: Double?
    /// Over 200 m from the address.
    public var farFromAddress: Bool
    /// Handed over after the window's end.
    public var late: Bool
    /// Whole minutes past the window's end (0 when on time).
    public var lateMinutes: Int
    public var photos: [PhotoCheck]
    /// Everything that deserves a look, e.g. `farFromAddress`, `late`, `photo:takenLongBefore`.
    public var flags: [String]

    public init(distanceMeters: Double?, farFromAddress: Bool, late: Bool, lateMinutes: Int, photos: [PhotoCheck], flags: [String]) {
        self.distanceMeters = distanceMeters
        self.farFromAddress = farFromAddress
        self.late = late
        self.lateMinutes = lateMinutes
        self.photos = photos
        self.flags = flags
    }
}
