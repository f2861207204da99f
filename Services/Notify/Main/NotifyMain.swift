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

    @Option(name: .customLong("rules"), help: "A rules file (JSON, as --print-rules prints) instead of the built-in rules (env POSY_NOTIFY_RULES).")
    var rules: String?
    @Option(name: .customLong("locale"), help: "Language of people who chose none: en or zh-CN (env POSY_NOTIFY_LOCALE, default en).")
    var locale: String?
    @Option(name: .customLong("public-url"), help: "Base URL of the gateway, for links in notifications (env POSY_PUBLIC_URL, default http://127.0.0.1:8080).")
    var publicURL: String?
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
        return c
    }

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
        let serviceConfig = options.config
        let links = NotifyLinks(
            publicURL: Environment.resolve(publicURL, "POSY_PUBLIC_URL", "http://127.0.0.1:8080"),
            secret: try? SuiteSecret.load(dataDir: serviceConfig.dataDir, create: false))
        try await ServiceMain.run(
            ServiceDescriptor(service: "notify", defaultRPCPort: 7150, migrations: NotifyMigrations.all),
            config: serviceConfig
        ) { host in
            guard let store = host.store else { return [] }
            let publisher = host.publisher
            let service = NotifyService(
                store: store, config: config, links: links, metrics: host.metrics, logger: host.logger,
                publish: { topic, type, data in
                    let e = Envelope(src: "notify", epoch: "", seq: 0, type: type, at: Timestamp.now(), trace: "", data: data)
                    publisher.post(topic: topic, envelope: EnvelopeCodec.encode(e))
                })
            service.register(on: host.rpc)
            service.registerEventHandlers(on: host)
            return []
        }
    }
}
