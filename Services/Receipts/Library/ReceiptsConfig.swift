import Foundation
import PosySchema
import PosySettings

/// The knobs of `posy-receipts` (its flags, declared with their defaults in ``ReceiptsSettings``).
public struct ReceiptsConfig: Sendable {
    static let defaults = ReceiptsSettings()
    public var limits = MediaLimits(
        image: Int64(defaults.imageLimitMiB.standard * 1_048_576), voice: Int64(defaults.voiceLimitMiB.standard * 1_048_576),
        video: Int64(defaults.videoLimitMiB.standard * 1_048_576))
    /// How long the customer has to confirm or dispute after delivery.
    public var confirmWithin: TimeInterval = defaults.confirmWithinHours.standard * 3600
    /// How long after completion media is kept; nil keeps it for ever.
    public var mediaRetention: TimeInterval? = defaults.mediaRetentionDays.standard * 86400
    /// Over this many metres from the address a hand-over is flagged `farFromAddress`.
    public var farFromAddress: Double = 200

    public init() {}
}
