import Foundation
import PosyCore
import PosySchema
import PosySettings

/// The processes `posy up` runs and the addresses they get (the defaults of docs/architecture.md, "Processes"; shiftable for tests).
public struct SuiteLayout: Sendable {
    public struct Child: Sendable {
        public let name: String
        public let executable: String
        public let arguments: [String]
    }

    public var host = "127.0.0.1"
    /// Bus frontend; the backend is +1 and the bus's own RPC +2.
    public var busPort = 7100
    /// orders = base, messaging shard N = base+10+N, location = base+20, receipts = base+30, notify = base+40.
    public var rpcBase = 7110
    public var httpPort = 8080
    /// `https` when the gateway has TLS files (in `gatewayExtra`).
    public var scheme = "http"
    public var shards = 1
    /// Gateway processes sharing the HTTP port (SO_REUSEPORT): `gateway` alone, else `gateway-1`…
    public var gateways = 1
    public var dataDir = "./data"
    /// More flags for the gateway (rate limits).
    public var gatewayExtra: [String] = []
    /// More flags for posy-notify (`--allow-local-targets`).
    public var notifyExtra: [String] = []
    /// Every process without CURVE (`--insecure-bus`).
    public var insecureBus = false

    /// Where the suite's keys are.
    public var keysDir: String { (dataDir as NSString).appendingPathComponent("keys") }

    public init() {}

    public var busPub: String { "tcp://\(host):\(busPort)" }
    public var busSub: String { "tcp://\(host):\(busPort + 1)" }
    public var busRPC: String { "tcp://\(host):\(busPort + 2)" }

    /// Instances `/healthz` and `posy ping` expect.
    public var instances: [String] {
        [ServiceName.bus, ServiceName.orders] + (1...shards).map { MessagingRPC.instance(shard: $0) }
            + [ServiceName.location, ServiceName.receipts, ServiceName.notify]
    }

    public var children: [Child] {
        func rpc(_ port: Int) -> [String] { ["--rpc", "tcp://\(host):\(port)"] }
        let security = insecureBus ? ["--insecure-bus"] : ["--keys-dir", keysDir]
        let common = ["--bus-pub", busPub, "--bus-sub", busSub, "--data-dir", dataDir] + security
        var list = [
            Child(
                name: ServiceName.bus, executable: "posy-bus",
                arguments: [
                    "--frontend", busPub, "--backend", busSub, "--data-dir", dataDir,
                ] + security + rpc(busPort + 2)),
            Child(
                name: ServiceName.orders, executable: "posy-orders",
                arguments: common + rpc(rpcBase)
                    + ["--messaging-shards", (1...shards).map(String.init).joined(separator: ",")]),
        ]
        for shard in 1...shards {
            list.append(
                Child(
                    name: MessagingRPC.instance(shard: shard), executable: "posy-messaging",
                    arguments: ["--shard", "\(shard)"] + common + rpc(rpcBase + 10 + shard)))
        }
        list += [
            Child(name: ServiceName.location, executable: "posy-location", arguments: common + rpc(rpcBase + 20)),
            Child(name: ServiceName.receipts, executable: "posy-receipts", arguments: common + rpc(rpcBase + 30)),
            // Links in notifications point at this suite's gateway unless POSY_PUBLIC_URL says otherwise.
            Child(
                name: ServiceName.notify, executable: "posy-notify",
                arguments: common + rpc(rpcBase + 40)
                    + (Settings.process.isGiven(SuiteSettings().publicURL) ? [] : ["--public-url", "\(scheme)://\(host):\(httpPort)"])
                    + notifyExtra),
        ]
        for name in gatewayNames {
            list.append(
                Child(
                    name: name, executable: "posy-gateway",
                    arguments: common + [
                        "--http-host", host, "--http-port", "\(httpPort)", "--expect", instances.joined(separator: ","),
                        "--rpc", "tcp://\(host):*", "--instance", name,
                    ] + gatewayExtra))
        }
        return list
    }

    /// The gateways' instance names.
    public var gatewayNames: [String] {
        gateways == 1 ? [ServiceName.gateway] : (1...gateways).map { "\(ServiceName.gateway)-\($0)" }
    }
}
