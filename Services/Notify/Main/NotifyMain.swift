import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosyNotify
import PosySchema
import PosySettings
import PosyWebPush

/// `posy-notify`: who hears what, over `notify.db`, RPC tcp 7150 by default.
@main
struct NotifyMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posy-notify", abstract: "Posy notify service (RPC tcp 7150 by default).")

    @Option(name: settings.rules.name, help: settings.rules.help) var rules: String?
    @Option(name: settings.locale.name, help: settings.locale.help) var locale: String?
    @Option(name: suite.publicURL.name, help: suite.publicURL.help) var publicURL: String?
    @Option(name: suite.maskedCallURL.name, help: suite.maskedCallURL.help) var maskedCallURL: String?
    @Option(name: settings.smsURL.name, help: settings.smsURL.help) var smsURL: String?
    @Option(name: settings.smsBody.name, help: settings.smsBody.help) var smsBody: String?
    @Option(name: settings.smtp.name, help: settings.smtp.help) var smtp: String?
    @Option(name: settings.smtpFrom.name, help: settings.smtpFrom.help) var smtpFrom: String?
    @Option(name: settings.pushContact.name, help: settings.pushContact.help) var pushContact: String?
    @Option(name: settings.retryBase.name, help: settings.retryBase.help) var retryBase: Double?
    @Option(name: settings.giveUpHours.name, help: settings.giveUpHours.help) var giveUpHours: Double?
    @Option(name: settings.retentionDays.name, help: settings.retentionDays.help) var retentionDays: Double?
    @Option(name: suite.testClock.name, help: suite.testClock.help) var testClock: String?
    @Flag(name: settings.allowLocalTargets.name, help: settings.allowLocalTargets.help) var allowLocalTargets = false
    @Flag(name: .customLong("print-rules"), help: "Print the built-in rules and templates (JSON) and exit.")
    var printRules = false

    @OptionGroup var options: ServiceOptions

    /// The service's settings and its test clock's start: flags, else variables, else defaults.
    func resolved(_ from: Settings = .process) throws -> (config: NotifyConfig, testStart: Date?, publicURL: String) {
        var c = NotifyConfig()
        if let path = try from.optional(settings.rules, flag: rules) {
            do {
                c.rules = try NotifyRuleSet.load(path: path)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        c.defaultLocale = try from.value(settings.locale, flag: locale)
        guard NotifyTemplate.locales.contains(c.defaultLocale) else {
            throw ValidationError("--locale must be one of \(NotifyTemplate.locales.joined(separator: ", "))")
        }
        c.smsURL = try from.optional(settings.smsURL, flag: smsURL)
        if let u = c.smsURL, URL(string: u)?.host == nil { throw ValidationError("--sms-url must be an http(s) URL") }
        c.smsBody = try from.value(settings.smsBody, flag: smsBody)
        c.maskedCallURL = try from.optional(suite.maskedCallURL, flag: maskedCallURL).flatMap { $0.isEmpty ? nil : $0 }
        if let u = c.maskedCallURL {
            guard let parsed = URL(string: u), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError("--masked-call-url must be an http(s) URL")
            }
        }
        c.allowLocalTargets = try from.isOn(settings.allowLocalTargets, flag: allowLocalTargets)
        if let relay = try from.optional(settings.smtp, flag: smtp) {
            let parts = relay.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("--smtp must be host:port")
            }
            let sender = try from.value(settings.smtpFrom, flag: smtpFrom)
            guard EmailAddress.isValid(sender) else { throw ValidationError("--smtp-from must be a plain address like posy@example.com") }
            c.smtp = SMTPClient(host: String(parts[0]), port: port, from: sender)
        }
        c.pushContact = try from.optional(settings.pushContact, flag: pushContact)
        if let contact = c.pushContact, !VAPIDSigner.isContact(contact) {
            throw ValidationError("--push-contact: \(WebPushError.badContact.description)")
        }
        c.retryBase = try from.value(settings.retryBase, flag: retryBase)
        c.giveUpAfter = try from.value(settings.giveUpHours, flag: giveUpHours) * 3600
        guard c.retryBase.isFinite, c.retryBase > 0, c.giveUpAfter.isFinite, c.giveUpAfter > 0 else {
            throw ValidationError("--retry-base and --give-up-after must be positive numbers")
        }
        let days = try from.value(settings.retentionDays, flag: retentionDays)
        guard days.isFinite, days >= 8 else {
            throw ValidationError("--retention-days must be 8 or more (the send log outlives the outbox)")
        }
        c.retention = days * 86_400
        var testStart: Date?
        if let t = try from.optional(suite.testClock, flag: testClock) {
            guard let start = Timestamp.parse(t) else {
                throw ValidationError("--test-clock must be an RFC 3339 time, e.g. 2026-11-25T09:00:00Z")
            }
            testStart = start
        }
        // The gateway's own default, when nobody says where it is.
        let url = try from.optional(suite.publicURL, flag: publicURL) ?? "http://127.0.0.1:8080"
        return (c, testStart, url)
    }

    func validate() throws {
        if !printRules { _ = try resolved() }
    }

    func run() async throws {
        if printRules {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(NotifyRuleSet.defaults), as: UTF8.self))
            return
        }
        var (config, testStart, publicURL) = try resolved()
        let serviceConfig = try options.config()
        // The VAPID key lives with the suite's other keys; made here on first start if posy up did not.
        let vapid = Result { () throws(VAPIDKeyFile.Failure) in try VAPIDKeyFile.loadOrCreate(in: serviceConfig.resolvedKeysDir) }
        config.vapidKey = try? vapid.get().rawRepresentation
        let links = NotifyLinks(
            publicURL: publicURL,
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
            if case .failure(let failure) = vapid {
                host.logger.error("no Web Push: its key could not be read or made", metadata: ["error": "\(failure)"])
            }
            if !links.signsTracking {
                host.logger.notice("no suite secret (POSY_SECRET or <data-dir>/secret): notifications carry no tracking links")
            }
            let service = NotifyService(
                store: store, config: config, links: links, metrics: host.metrics, logger: host.logger, clock: { clock.now() },
                wake: clock.advanced, publish: host.ephemeralPublisher(src: ServiceName.notify))
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            return [service.deliveryService(), service.pruneService(), service.registerPrivacy(on: host)]
        }
    }
}

private let settings = NotifySettings()
private let suite = SuiteSettings()
