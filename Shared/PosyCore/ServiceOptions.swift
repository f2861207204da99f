import ArgumentParser
import Foundation
import Logging

/// Flags every Posy process takes. Each falls back to a `POSY_*` environment variable, then to the
/// single-machine default (docs/architecture.md, "Processes"), so one machine needs no configuration.
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("bus-pub"), help: "Bus endpoint publishers connect to (env POSY_BUS_PUB, default tcp://127.0.0.1:7100).")
    public var busPub: String?

    @Option(name: .customLong("bus-sub"), help: "Bus endpoint subscribers connect to (env POSY_BUS_SUB, default tcp://127.0.0.1:7101).")
    public var busSub: String?

    @Option(
        name: .customLong("rpc"),
        help: "RPC endpoint to bind (env POSY_<SERVICE>_RPC, default per service; tcp://127.0.0.1:* picks a free port).")
    public var rpc: String?

    @Option(
        name: .customLong("advertise"),
        help: "RPC endpoint to advertise in heartbeats, when it differs from the bound one (env POSY_<SERVICE>_ADVERTISE).")
    public var advertise: String?

    @Option(name: .customLong("data-dir"), help: "Directory of the SQLite store (env POSY_DATA_DIR, default ./data).")
    public var dataDir: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (env POSY_LOG_LEVEL, default info).")
    public var logLevel: String?

    @Option(
        name: .customLong("outbox-retention-hours"),
        help: "How long published events stay replayable (env POSY_OUTBOX_RETENTION_HOURS, default 168).")
    public var outboxRetentionHours: Double?

    @Flag(
        name: .customLong("sync-full"),
        help: "fsync every commit (PRAGMA synchronous=FULL; env POSY_SYNC_FULL=1). Default NORMAL survives process crashes.")
    public var syncFull: Bool = false

    @Option(
        name: .customLong("keys-dir"),
        help: "The suite's CURVE keys: this process's <identity>.key and every *.pub (env POSY_KEYS_DIR, default <data-dir>/keys).")
    public var keysDir: String?

    @Flag(
        name: .customLong("insecure-bus"),
        help: "ZeroMQ without CURVE: anyone who reaches a port is the suite. Benchmarks only (env POSY_INSECURE_BUS=1).")
    public var insecureBus: Bool = false

    public init() {}

    /// Flags, then `POSY_*` environment, then defaults. Call once at the start of `run()`.
    public var config: ServiceConfig {
        var c = ServiceConfig()
        c.busPub = Environment.resolve(busPub, "POSY_BUS_PUB", c.busPub)
        c.busSub = Environment.resolve(busSub, "POSY_BUS_SUB", c.busSub)
        c.rpc = rpc
        c.advertise = advertise
        c.dataDir = Environment.resolve(dataDir, "POSY_DATA_DIR", c.dataDir)
        c.logLevel = Logger.Level(rawValue: Environment.resolve(logLevel, "POSY_LOG_LEVEL", "info")) ?? .info
        c.retentionHours = outboxRetentionHours ?? Environment.string("POSY_OUTBOX_RETENTION_HOURS").flatMap(Double.init) ?? 168
        c.syncFull = syncFull || Environment.string("POSY_SYNC_FULL") == "1"
        c.keysDir = keysDir ?? Environment.string("POSY_KEYS_DIR")
        c.insecureBus = insecureBus || Environment.string("POSY_INSECURE_BUS") == "1"
        return c
    }

    public func validate() throws {
        if let l = logLevel, Logger.Level(rawValue: l) == nil {
            throw ValidationError("unknown log level '\(l)'")
        }
        for e in [busPub, busSub, rpc].compactMap({ $0 }) where !e.contains("://") {
            throw ValidationError("'\(e)' is not a ZeroMQ endpoint (expected tcp://host:port)")
        }
    }
}
