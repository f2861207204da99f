import ArgumentParser
import PosyCore

/// Where CLI tools meet the bus.
public struct BusOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("bus-pub"), help: "Bus frontend (env POSY_BUS_PUB, default tcp://127.0.0.1:7100).")
    var busPub: String?
    @Option(name: .customLong("bus-sub"), help: "Bus backend (env POSY_BUS_SUB, default tcp://127.0.0.1:7101).")
    var busSub: String?
    @Option(name: .customLong("data-dir"), help: "Data directory (env POSY_DATA_DIR, default ./data).")
    var dataDir: String?

    public init() {}

    /// A tool's settings: an ephemeral RPC port, warnings only unless POSY_LOG_LEVEL says otherwise.
    var config: ServiceConfig {
        var c = ServiceConfig()
        c.busPub = Environment.resolve(busPub, "POSY_BUS_PUB", c.busPub)
        c.busSub = Environment.resolve(busSub, "POSY_BUS_SUB", c.busSub)
        c.dataDir = Environment.resolve(dataDir, "POSY_DATA_DIR", c.dataDir)
        c.rpc = "tcp://127.0.0.1:*"
        c.logLevel = Environment.string("POSY_LOG_LEVEL").flatMap { .init(rawValue: $0) } ?? .warning
        return c
    }
}
