import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosyNotify
import PosySchema

/// `posy-notify`: who hears what, over `notify.db`, RPC tcp 7150 by default.
@main
struct NotifyMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-notify", abstract: "Posy notify service (RPC tcp 7150 by default).")

    @Option(
        name: .customLong("rules"),
        help: "A rules file (JSON, as --print-rules prints) instead of the built-in rules (env POSY_NOTIFY_RULES).")
    var rules: String?
    @Option(name: .customLong("locale"), help: "Language of people who chose none: en or zh-CN (env POSY_NOTIFY_LOCALE, default en).")
    var locale: String?
    @Option(
        name: .customLong("public-url"),
        help: "Base URL of the gateway, for links in notifications (env POSY_PUBLIC_URL, default http://127.0.0.1:8080).")
    var publicURL: String?
    @Option(name: .customLong("sms-url"), help: "The SMS provider's HTTP endpoint; without it there is no SMS channel (env POSY_SMS_URL).")
    var smsURL: String?
    @Option(
        name: .customLong("sms-body"),
        help: #"The SMS request body, {to} and {text} JSON-escaped (env POSY_SMS_BODY, default {"to":"{to}","text":"{text}"})."#)
    var smsBody: String?
    @Option(name: .customLong("smtp"), help: "The SMTP relay as host:port; without it there is no email channel (env POSY_SMTP).")
    var smtp: String?
    @Option(name: .customLong("smtp-from"), help: "The sender address of emails (env POSY_SMTP_FROM, default posy@localhost).")
    var smtpFrom: String?
    @Option(
        name: .customLong("retry-base"),
        help: "Seconds before the first retry of a failed webhook, SMS or email, doubling after (env POSY_NOTIFY_RETRY_BASE, default 10).")
    var retryBase: Double?
    @Option(
        name: .customLong("give-up-after"),
        help: "Hours an outbound delivery is retried before it is dead-lettered (env POSY_NOTIFY_GIVE_UP_HOURS, default 24).")
    var giveUpHours: Double?
    @Option(
        name: .customLong("retention-days"),
        help: "Days inbox rows, finished deliveries and the send log are kept, at least 8 (env POSY_NOTIFY_RETENTION_DAYS, default 90).")
    var retentionDays: Double?
    @Option(
        name: .customLong("test-clock"),
        help: "Tests only: run on a clock that starts at this RFC 3339 time and moves only by the clock.advance RPC (env POSY_TEST_CLOCK).")
    var testClock: String?
    @Flag(
        name: .customLong("allow-local-targets"),
        help:
            "Let webhooks call loopback, private and link-local addresses: for tests and local sinks only (env POSY_ALLOW_LOCAL_TARGETS=1)."
    )
    var allowLocalTargets = false
    @Flag(name: .customLong("print-rules"), help: "Print the built-in rules and templates (JSON) and exit.")
    var printRules = false

    @OptionGroup var options: ServiceOptions

    func config() throws -> NotifyConfig {
        var c = NotifyConfig()
        if let path = rules ?? Environment.string("POSY_NOTIFY_RULES") {
            do {
                c.rules = try NotifyRuleSet.load(path: path)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        c.defaultLocale = locale ?? Environment.string("POSY_NOTIFY_LOCALE") ?? c.defaultLocale
        guard NotifyTemplate.locales.contains(c.defaultLocale) else {
            throw ValidationError("--locale must be one of \(NotifyTemplate.locales.joined(separator: ", "))")
        }
        c.smsURL = smsURL ?? Environment.string("POSY_SMS_URL")
        if let u = c.smsURL, URL(string: u)?.host == nil { throw ValidationError("--sms-url must be an http(s) URL") }
        c.smsBody = smsBody ?? Environment.string("POSY_SMS_BODY") ?? c.smsBody
        c.allowLocalTargets = allowLocalTargets || Environment.string("POSY_ALLOW_LOCAL_TARGETS") == "1"
        if let relay = smtp ?? Environment.string("POSY_SMTP") {
            let parts = relay.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("--smtp must be host:port")
            }
            let from = smtpFrom ?? Environment.string("POSY_SMTP_FROM") ?? "posy@localhost"
            guard EmailAddress.isValid(from) else { throw ValidationError("--smtp-from must be a plain address like posy@example.com") }
            c.smtp = SMTPClient(host: String(parts[0]), port: port, from: from)
        }
        c.retryBase = retryBase ?? Environment.string("POSY_NOTIFY_RETRY_BASE").flatMap(Double.init) ?? c.retryBase
        c.giveUpAfter =
            (giveUpHours ?? Environment.string("POSY_NOTIFY_GIVE_UP_HOURS").flatMap(Double.init)).map { $0 * 3600 } ?? c.giveUpAfter
        guard c.retryBase.isFinite, c.retryBase > 0, c.giveUpAfter.isFinite, c.giveUpAfter > 0 else {
            throw ValidationError("--retry-base and --give-up-after must be positive numbers")
        }
        if let days = retentionDays ?? Environment.string("POSY_NOTIFY_RETENTION_DAYS").flatMap(Double.init) {
            guard days.isFinite, days >= 8 else {
                throw ValidationError("--retention-days must be 8 or more (the send log outlives the outbox)")
            }
            c.retention = days * 86_400
        }
        if let t = testStart, Timestamp.parse(t) == nil {
            throw ValidationError("--test-clock must be an RFC 3339 time, e.g. 2026-11-25T09:00:00Z")
        }
        return c
    }

    var testStart: String? { testClock ?? Environment.string("POSY_TEST_CLOCK") }

    func validate() throws {
        if !printRules { _ = try config() }
    }

    func run() async throws {
        if printRules {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(NotifyRuleSet.defaults), as: UTF8.self))
            return
        }
        let config = try self.config()
        let testStart = self.testStart.flatMap(Timestamp.parse)
        let serviceConfig = options.config
        let links = NotifyLinks(
            publicURL: Environment.resolve(publicURL, "POSY_PUBLIC_URL", "http://127.0.0.1:8080"),
            secret: try? SuiteSecret.load(dataDir: serviceConfig.dataDir, create: false))
        try await ServiceMain.run(
            ServiceDescriptor(service: ServiceName.notify, defaultRPCPort: 7150, migrations: NotifyMigrations.all),
            config: serviceConfig
        ) { host in
            guard let store = host.store else { return [] }
            let clock = try await host.serviceClock(testStart: testStart)
            if config.allowLocalTargets {
                host.logger.warning(
                    "--allow-local-targets is on: webhooks may call loopback and private addresses (tests and local sinks only)")
            }
            if !links.signsTracking {
                host.logger.notice("no suite secret (POSY_SECRET or <data-dir>/secret): notifications carry no tracking links")
            }
            let service = NotifyService(
                store: store, config: config, links: links, metrics: host.metrics, logger: host.logger, clock: { clock.now() },
                wake: clock.advanced, publish: host.ephemeralPublisher(src: ServiceName.notify))
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            return [service.deliveryService(), service.pruneService()]
        }
    }
}
