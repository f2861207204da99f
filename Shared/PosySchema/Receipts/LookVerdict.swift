/// "Look before you sign" (docs/protocol.md, "Calls"): what the customer said after seeing the
/// flowers on the courier's video call — looks good, or please fix (with a note) — and the frame
/// their browser took, kept as a record of the order's evidence chain. No video is kept.
public struct LookVerdict: Codable, Sendable, Equatable {
    public var v: Int = 1
    public var orderId: String
    public var shopId: String
    public var ok: Bool
    public var note: String?
    /// The still the customer's browser took from the call (an image of this order).
    public var snapshot: ProofMedia?
    /// The call it was said on.
    public var callId: String?
    public var at: String

    public init(orderId: String, shopId: String, ok: Bool, note: String?, snapshot: ProofMedia?, callId: String?, at: String) {
        self.orderId = orderId
        self.shopId = shopId
        self.ok = ok
        self.note = note
        self.snapshot = snapshot
        self.callId = callId
        self.at = at
    }

    /// What the customer's page sends (`POST /v1/orders/{id}/look`).
    public struct Input: Codable, Sendable, Equatable {
        public var ok: Bool
        public var note: String?
        public var snapshotId: String?
        public var callId: String?

        public init(ok: Bool, note: String? = nil, snapshotId: String? = nil, callId: String? = nil) {
            self.ok = ok
            self.note = note
            self.snapshotId = snapshotId
            self.callId = callId
        }
    }
}
