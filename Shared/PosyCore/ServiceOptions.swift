import ArgumentParser
import Foundation
import Logging
import PosySettings

/// Flags every Posy service takes, declared in ``ServiceSettings``: each falls back to its `POSY_*`
/// variable, then to the single-machine default (docs/operations.md, "Settings"), so one machine
/// needs no configuration.
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(name: settings.busPub.name, help: settings.busPub.help) public var busPub: String?
    @Option(name: settings.busSub.name, help: settings.busSub.help) public var busSub: String?
    @Option(name: settings.rpc.name, help: settings.rpc.help) public var rpc: String?
    @Option(name: settings.advertise.name, help: settings.advertise.help) public var advertise: String?
    @Option(name: settings.dataDir.name, help: settings.dataDir.help) public var dataDir: String?
    @Option(name: settings.logLevel.name, help: settings.logLevel.help) public var logLevel: String?
    @Option(name: settings.outboxRetentionHours.name, help: settings.outboxRetentionHours.help) public var outboxRetentionHours: Double?
    @Flag(name: settings.syncFull.name, help: settings.syncFull.help) public var syncFull: Bool = false
    @Option(name: settings.keysDir.name, help: settings.keysDir.help) public var keysDir: String?
    @Flag(name: settings.insecureBus.name, help: settings.insecureBus.help) public var insecureBus: Bool = false

    public init() {}

    /// Flags, then `POSY_*` variables, then defaults: once, at the start of `run()` (`validate()`
    /// reads them first, so a malformed variable stops the process before it starts).
    public func config(_ from: Settings = .process) throws -> ServiceConfig {
        var c = ServiceConfig()
        c.busPub = try from.value(settings.busPub, flag: busPub)
        c.busSub = try from.value(settings.busSub, flag: busSub)
        c.rpc = rpc
        c.advertise = advertise
        c.dataDir = try from.value(settings.dataDir, flag: dataDir)
        let level = try from.value(settings.logLevel, flag: logLevel)
        guard let parsed = Logger.Level(rawValue: level) else { throw ValidationError("unknown log level '\(level)'") }
        c.logLevel = parsed
        c.retentionHours = try from.value(settings.outboxRetentionHours, flag: outboxRetentionHours)
        c.syncFull = try from.isOn(settings.syncFull, flag: syncFull)
        c.keysDir = try from.optional(settings.keysDir, flag: keysDir)
        c.insecureBus = try from.isOn(settings.insecureBus, flag: insecureBus)
        return c
    }

    public func validate() throws {
        let c = try config()
        for e in [c.busPub, c.busSub] + [rpc].compactMap({ $0 }) where !e.contains("://") {
            throw ValidationError("'\(e)' is not a ZeroMQ endpoint (expected tcp://host:port)")
        }
    }
}

private let settings = ServiceSettings()
