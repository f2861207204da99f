/// `posy-notify`.
public struct NotifySettings: SettingsCatalog {
    public static let takenBy = "posy-notify"
    public init() {}

    public let rules = Setting<String>(
        "rules", "POSY_NOTIFY_RULES", unset: "built in (--print-rules prints them as the file format)",
        "A rules file (JSON, as --print-rules prints) instead of the built-in rules")
    public let locale = Setting<String>("locale", "POSY_NOTIFY_LOCALE", default: "en", "Language of people who chose none: en or zh-CN")
    public let smsURL = Setting<String>(
        "sms-url", "POSY_SMS_URL", unset: "none: no SMS channel", "The SMS provider's HTTP endpoint")
    public let smsBody = Setting<String>(
        "sms-body", "POSY_SMS_BODY", default: #"{"to":"{to}","text":"{text}"}"#, "The SMS request body, {to} and {text} JSON-escaped")
    public let smtp = Setting<String>(
        "smtp", "POSY_SMTP", unset: "none: no email channel", "The SMTP relay as host:port (no TLS or auth: the relay does those)")
    public let smtpFrom = Setting<String>("smtp-from", "POSY_SMTP_FROM", default: "posy@localhost", "The sender address of emails")
    public let retryBase = Setting<Double>(
        "retry-base", "POSY_NOTIFY_RETRY_BASE", default: 10,
        "Seconds before the first retry of a failed webhook, SMS or email, doubling after")
    public let giveUpHours = Setting<Double>(
        "give-up-after", "POSY_NOTIFY_GIVE_UP_HOURS", default: 24, "Hours an outbound delivery is retried before it is dead-lettered")
    public let retentionDays = Setting<Double>(
        "retention-days", "POSY_NOTIFY_RETENTION_DAYS", default: 90,
        "Days inbox rows, finished deliveries and the send log are kept, at least 8")
    public let pushContact = Setting<String>(
        "push-contact", "POSY_PUSH_CONTACT", unset: "none: no Web Push is sent",
        "The operator's contact push services see (VAPID subject): an https URL or mailto: address of a public host")
    public let allowLocalTargets = Setting<Bool>(
        "allow-local-targets", "POSY_ALLOW_LOCAL_TARGETS", default: false,
        "Let webhooks and push endpoints be loopback, private or link-local addresses (push endpoints plain http): for tests and local sinks only (also posy up --allow-local-targets)"
    )
}
