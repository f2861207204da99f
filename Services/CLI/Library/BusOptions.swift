import ArgumentParser
import Logging
import PosyCore
import PosySchema
import PosySettings

/// Where CLI tools meet the bus.
public struct BusOptions: ParsableArguments, Sendable {
    @Option(name: service.busPub.name, help: service.busPub.help) var busPub: String?
    @Option(name: service.busSub.name, help: service.busSub.help) var busSub: String?
    @Option(name: service.dataDir.name, help: service.dataDir.help) var dataDir: String?
    @Option(name: service.keysDir.name, help: service.keysDir.help) var keysDir: String?
    @Flag(name: service.insecureBus.name, help: service.insecureBus.help) var insecureBus = false
    @Option(
        name: service.rpc.name,
        help:
            "Where a tool that publishes durable events (posy ping) answers replays; from another host, an address the services reach (env POSY_CLI_RPC, default tcp://127.0.0.1:*)."
    )
    var rpc: String?

    public init() {}

    /// A tool's settings: flags, then `POSY_*` variables, then defaults — an ephemeral RPC port,
    /// warnings only unless `POSY_LOG_LEVEL` says otherwise.
    func config(_ from: Settings = .process) throws -> ServiceConfig {
        var c = ServiceConfig()
        c.busPub = try from.value(service.busPub, flag: busPub)
        c.busSub = try from.value(service.busSub, flag: busSub)
        c.dataDir = try from.value(service.dataDir, flag: dataDir)
        c.rpc = try from.optional(service.rpc.of(service: ServiceName.cli), flag: rpc) ?? "tcp://127.0.0.1:*"
        // Tools say only what matters unless told otherwise (the services' default is info).
        if from.isGiven(service.logLevel) {
            let level = try from.value(service.logLevel)
            guard let parsed = Logger.Level(rawValue: level) else { throw ValidationError("POSY_LOG_LEVEL: unknown level '\(level)'") }
            c.logLevel = parsed
        } else {
            c.logLevel = .warning
        }
        c.keysDir = try from.optional(service.keysDir, flag: keysDir)
        c.insecureBus = try from.isOn(service.insecureBus, flag: insecureBus)
        return c
    }

    public func validate() throws { _ = try config() }

    /// The tool's security: the `cli` identity's keys (or none with --insecure-bus).
    func security() throws -> BusSecurity { try config().security(identity: ServiceName.cli) }
}

private let service = ServiceSettings()
