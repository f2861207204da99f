import Crypto
import Foundation
import PosySettings
import PosyWebPush

/// posy-notify's settings (its flags, declared with their defaults in ``NotifySettings``).
public struct NotifyConfig: Sendable {
    static let defaults = NotifySettings()
    public var rules: NotifyRuleSet = .defaults
    /// Language of people who never chose one.
    public var defaultLocale = defaults.locale.standard
    /// A coalesced rule (an order's ETA) speaks to a person at most once in this many seconds…
    public var coalesceInterval: Double = 300
    /// …unless the ETA moved by at least this many seconds.
    public var coalesceShift: Double = 600

    /// First retry of a failed outbound delivery after this many seconds, doubling each time…
    public var retryBase: Double = defaults.retryBase.standard
    /// …up to this gap…
    public var retryCap: Double = 3600
    /// …until this long after the first try; then it is dead-lettered.
    public var giveUpAfter: Double = defaults.giveUpHours.standard * 3600
    /// How long one HTTP delivery may take.
    public var httpTimeout: Double = 10
    /// Webhooks may call loopback, private and link-local addresses (`--allow-local-targets`: tests
    /// and local sinks only; see ``NetworkDestination``).
    public var allowLocalTargets = false
    /// The suite's VAPID private key (32 bytes; ``VAPIDKeyFile``); nil: no Web Push.
    public var vapidKey: Data?
    /// The operator's contact push services see (`--push-contact`); nil: no Web Push is sent.
    public var pushContact: String?

    /// What signs Web Push: the key and the contact, when both are there.
    var vapidSigner: VAPIDSigner? {
        guard let vapidKey, let pushContact, let key = try? P256.Signing.PrivateKey(rawRepresentation: vapidKey) else { return nil }
        return try? VAPIDSigner(key: key, subject: pushContact)
    }
    /// The SMS provider's HTTP endpoint (POST); nil: no SMS channel.
    public var smsURL: String?
    /// The SMS request body; `{to}` and `{text}` are replaced, JSON-escaped.
    public var smsBody = defaults.smsBody.standard
    public var smsContentType = "application/json"
    /// The masked-number provider (docs/protocol.md, "Masked numbers"); nil: couriers call recipients' own numbers.
    public var maskedCallURL: String?
    /// The SMTP relay (`host:port`) and sender; nil: no email channel.
    public var smtp: SMTPClient?

    /// Inbox rows, finished outbound deliveries and the send log are kept this long (seconds). At
    /// least 8 days: the send log must outlive the outbox retention (7 days) of the events it guards.
    public var retention: Double = defaults.retentionDays.standard * 86_400

    public init() {}
}
