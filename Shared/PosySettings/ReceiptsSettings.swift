/// `posy-receipts`.
public struct ReceiptsSettings: SettingsCatalog {
    public static let takenBy = "posy-receipts"
    public init() {}

    public let imageLimitMiB = Setting<Double>("image-limit", "POSY_IMAGE_LIMIT_MIB", default: 10, "Largest image upload, MiB")
    public let voiceLimitMiB = Setting<Double>("voice-limit", "POSY_VOICE_LIMIT_MIB", default: 5, "Largest voice upload, MiB")
    public let videoLimitMiB = Setting<Double>("video-limit", "POSY_VIDEO_LIMIT_MIB", default: 100, "Largest video upload, MiB")
    public let confirmWithinHours = Setting<Double>(
        "confirm-within", "POSY_CONFIRM_WITHIN_HOURS", default: 48, "Hours the customer has to confirm or dispute a delivery")
    public let mediaRetentionDays = Setting<Double>(
        "media-retention", "POSY_MEDIA_RETENTION_DAYS", default: 90, "Days media of completed orders is kept; 0 keeps it for ever")
}
