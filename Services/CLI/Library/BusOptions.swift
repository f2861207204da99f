import ArgumentParser
import PosyCore
import PosySchema

/// Where CLI tools meet the bus.
public struct BusOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("bus-pub"), help: "Bus frontend (env POSY_BUS_PUB, default tcp://127.0.0.1:7100).")
    var busPub: String?
    @Option(name: .customLong("bus-sub"), help: "Bus backend (env POSY_BUS_SUB, default tcp://127.0.0.1:7101).")
    var busSub: String?
    @Option(name: .customLong("data-dir"), help: "Data directory (env POSY_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(
        name: .customLong("keys-dir"),
        help: "The suite's keys: cli.key and every *.pub (env POSY_KEYS_DIR, default <data-dir>/keys).")
    var keysDir: String?
    @Flag(name: .customLong("insecure-bus"), help: "The suite runs without CURVE (env POSY_INSECURE_BUS=1).")
    var insecureBus = false
    @Option(
        name: .customLong("rpc"),
        help:
            "Where a tool that publishes durable events (posy ping) answers replays (env POSY_CLI_RPC, default tcp://127.0.0.1:*); from another host, an address the services reach."
    )
    var rpc: String?

    public init() {}

    /// A tool's settings: an ephemeral RPC port, warnings only unless POSY_LOG_LEVEL says otherwise.
    var config: ServiceConfig {
        var c = ServiceConfig()
        c.busPub = Environment.resolve(busPub, "POSY_BUS_PUB", c.busPub)
        c.busSub = Environment.resolve(busSub, "POSY_BUS_SUB", c.busSub)
        c.dataDir = Environment.resolve(dataDir, "POSY_DATA_DIR", c.dataDir)
        c.rpc = Environment.resolve(rpc, "POSY_CLI_RPC", "tcp://127.0.0.1:*")
        c.logLevel = Environment.string("POSY_LOG_LEVEL").flatMap { .init(rawValue: $0) } ?? .warning
        c.keysDir = keysDir ?? Environment.string("POSY_KEYS_DIR")
        c.insecureBus = insecureBus || Environment.string("POSY_INSECURE_BUS") == "1"
        return c
    }

    /// The tool's security: the `cli` identity's keys (or none with --insecure-bus).
    func security() throws -> BusSecurity { try config.security(identity: ServiceName.cli) }
}
