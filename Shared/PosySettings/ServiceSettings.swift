/// What every service (and the bus) takes: where the bus and its own RPC are, where its store and
/// keys live, how it logs (docs/architecture.md, "Processes").
public struct ServiceSettings: SettingsCatalog {
    public static let takenBy = "every service"
    public init() {}

    public let busPub = Setting<String>("bus-pub", "POSY_BUS_PUB", default: "tcp://127.0.0.1:7100", "Bus endpoint publishers connect to")
    public let busSub = Setting<String>("bus-sub", "POSY_BUS_SUB", default: "tcp://127.0.0.1:7101", "Bus endpoint subscribers connect to")
    public let rpc = Setting<String>(
        "rpc", "POSY_<SERVICE>_RPC", unset: "the service's port on 127.0.0.1 (posy tools: tcp://127.0.0.1:*)",
        "RPC endpoint to bind; tcp://127.0.0.1:* picks a free port (e.g. POSY_ORDERS_RPC, POSY_MESSAGING_RPC, POSY_CLI_RPC)")
    public let advertise = Setting<String>(
        "advertise", "POSY_<SERVICE>_ADVERTISE", unset: "the bound endpoint, 0.0.0.0 shown as 127.0.0.1",
        "RPC endpoint to advertise in heartbeats, when it differs from the bound one")
    public let dataDir = Setting<String>("data-dir", "POSY_DATA_DIR", default: "./data", "Directory of the SQLite stores and keys")
    public let logLevel = Setting<String>(
        "log-level", "POSY_LOG_LEVEL", default: "info", "trace, debug, info, notice, warning or error",
        shown: "info (posy tools: warning)")
    public let outboxRetentionHours = Setting<Double>(
        "outbox-retention-hours", "POSY_OUTBOX_RETENTION_HOURS", default: 168, "Hours published events stay replayable")
    public let syncFull = Setting<Bool>(
        "sync-full", "POSY_SYNC_FULL", default: false,
        "fsync every commit (PRAGMA synchronous=FULL); NORMAL, the default, survives process crashes")
    public let keysDir = Setting<String>(
        "keys-dir", "POSY_KEYS_DIR", unset: "<data-dir>/keys",
        "The suite's CURVE keys: this process's <identity>.key and every *.pub")
    public let insecureBus = Setting<Bool>(
        "insecure-bus", "POSY_INSECURE_BUS", default: false,
        "ZeroMQ without CURVE: anyone who reaches a port is the suite. Benchmarks only")
}
