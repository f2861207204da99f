import Foundation
import PosySchema

/// The knobs of `posy-receipts` (flags with `POSY_*` fallbacks in `posy-receipts`).
public struct ReceiptsConfig: Sendable {
    public var limits = MediaLimits()
    /// How long the customer has to confirm or dispute after delivery (48 h).
    public var confirmWithin: TimeInterval = 48 * 3600
    /// How long after completion media is kept; nil keeps it for ever.
    public var mediaRetention: TimeInterval? = 90 * 86400
    /// Over this many metres from the address a hand-over is flagged `farFromAddress`.
    public var farFromAddress: Double = 200

    public init() {}
}
