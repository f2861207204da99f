import Foundation
import Testing
import Yams

/// No Docker engine runs here, so the compose file is checked as data: every executable and every
/// default port (docs/architecture.md, "Processes") is there, messaging runs as two shards, the bus is found by environment,
/// each store has a volume of its own, the keys are made once and read by all, and only the gateway
/// (and the TURN relay phones must reach) is published.
@Suite struct ComposeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func compose() throws -> [String: Any] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("compose/compose.yaml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    func services() throws -> [String: [String: Any]] {
        try #require(try compose()["services"] as? [String: [String: Any]])
    }

    func executable(_ service: [String: Any]) -> String? {
        ((service["build"] as? [String: Any])?["args"] as? [String: Any])?["SERVICE"] as? String
    }

    func environment(_ service: [String: Any]) -> [String: String] {
        ((service["environment"] as? [String: Any]) ?? [:]).mapValues { "\($0)" }
    }

    @Test func everyExecutableAndPortOfTheDesignIsThereAndOnlyTheGatewayIsPublished() throws {
        let services = try services()
        let executables = Set(services.values.compactMap(executable))
        #expect(
            executables == [
                "posy", "posy-bus", "posy-orders", "posy-messaging", "posy-location", "posy-receipts", "posy-notify", "posy-gateway",
            ])
        // The host sees the gateway and the TURN relay only; bus and RPC ports stay on the compose network.
        let published = services.filter { $0.value["ports"] != nil }
        #expect(Set(published.keys) == ["gateway", "turn"])
        #expect(published["gateway"]?["ports"] as? [String] == ["8080:8080"])
        let exposed = Set(services.values.flatMap { ($0["expose"] as? [String]) ?? [] }.compactMap { Int($0) })
        for port in [7100, 7101, 7110, 7121, 7122, 7130, 7140, 7150] {
            #expect(exposed.contains(port), "port \(port) missing")
        }
        // Every service listens where its environment says.
        for (name, s) in services {
            let env = environment(s)
            let binds = env.filter { $0.key.hasSuffix("_RPC") || $0.key.hasSuffix("_FRONTEND") || $0.key.hasSuffix("_BACKEND") }.values
            for bind in binds {
                let port = Int(bind.split(separator: ":").last!)!
                #expect(exposed.contains(port) || name.hasPrefix("gateway"), "\(name) binds \(bind) but does not expose it")
            }
        }
    }

    /// Two gateways on one HTTP port (docs/architecture.md, "Several gateways"): the second lives
    /// in the first one's network namespace and binds the same port; each has its own instance name
    /// and RPC port, advertised under the name the others reach that namespace by.
    @Test func twoGatewaysShareThePublishedPort() throws {
        let services = try services()
        let first = try #require(services["gateway"])
        let second = try #require(services["gateway-2"])
        #expect(executable(second) == "posy-gateway")
        #expect(second["network_mode"] as? String == "service:gateway")
        #expect(second["ports"] == nil)
        let (a, b) = (environment(first), environment(second))
        #expect(a["POSY_HTTP_PORT"] == b["POSY_HTTP_PORT"] && a["POSY_HTTP_HOST"] == b["POSY_HTTP_HOST"])
        // Both named gateway-<n>: only such gateways bind the port to share it (a lone `gateway` holds it alone).
        #expect(a["POSY_GATEWAY_INSTANCE"] == "gateway-1" && b["POSY_GATEWAY_INSTANCE"] == "gateway-2")
        #expect(a["POSY_GATEWAY_RPC"] == "tcp://0.0.0.0:7160" && b["POSY_GATEWAY_RPC"] == "tcp://0.0.0.0:7161")
        #expect(b["POSY_GATEWAY_ADVERTISE"] == "tcp://gateway:7161")
        for key in ["POSY_EXPECT", "POSY_SECRET", "POSY_TURN_URLS", "POSY_TURN_SECRET_FILE"] { #expect(a[key] == b[key], "\(key)") }
    }

    @Test func keysAreMadeOnceAndEveryServiceReadsThem() throws {
        let services = try services()
        let keys = try #require(services["keys"])
        #expect(keys["command"] as? [String] == ["keys", "create", "--keys-dir", "/keys"])
        #expect(keys["volumes"] as? [String] == ["keys:/keys"])
        for (name, s) in services where !["keys", "turn"].contains(name) {
            #expect(environment(s)["POSY_KEYS_DIR"] == "/keys", "\(name)")
            #expect(((s["volumes"] as? [String]) ?? []).contains("keys:/keys:ro"), "\(name) cannot read the keys")
            let needs = (s["depends_on"] as? [String: Any])?["keys"] as? [String: Any]
            #expect(needs?["condition"] as? String == "service_completed_successfully", "\(name) may start before its keys")
            #expect(environment(s)["POSY_INSECURE_BUS"] == nil, "\(name) runs without CURVE")
        }
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("compose/Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("chown posy /data /keys"))
    }

    @Test func oneDockerfileTwoShardsBusByEnvironmentVolumePerStore() throws {
        let services = try services()
        // One recipe for every Posy executable; the relay is coturn's own.
        let dockerfiles = Set(
            services.filter { $0.key != "turn" }.values.compactMap { ($0["build"] as? [String: Any])?["dockerfile"] as? String })
        #expect(dockerfiles == ["compose/Dockerfile"])
        #expect((services["turn"]?["build"] as? [String: Any])?["dockerfile"] as? String == "compose/turn.Dockerfile")
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("compose/Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("ARG SERVICE"))

        let shards = services.filter { executable($0.value) == "posy-messaging" }
        #expect(shards.count == 2)
        #expect(Set(shards.values.compactMap { ($0["command"] as? [String])?.last }) == ["1", "2"])

        var volumes: [String] = []
        for (name, s) in services where !["bus", "keys", "turn"].contains(name) {
            let env = environment(s)
            #expect(env["POSY_BUS_PUB"] == "tcp://bus:7100", "\(name)")
            #expect(env["POSY_BUS_SUB"] == "tcp://bus:7101", "\(name)")
            if !name.hasPrefix("gateway") {
                let mounts = ((s["volumes"] as? [String]) ?? []).filter { $0.hasSuffix(":/data") }
                #expect(mounts.count == 1, "\(name) has no store volume")
                volumes += mounts.map { String($0.split(separator: ":")[0]) }
            }
        }
        #expect(volumes.count == 6)
        #expect(Set(volumes).count == volumes.count, "two stores share a volume")
        let declared = Set(((try compose()["volumes"] as? [String: Any]) ?? [:]).keys)
        #expect(Set(volumes).isSubset(of: declared))
    }

    /// The relay video calls use: coturn with the same shared secret the gateways hand out
    /// credentials from (a compose secret, never an environment variable or the repository), no
    /// Posy keys, and no relaying into private networks.
    @Test func theTURNRelaySharesItsSecretWithTheGatewaysOnly() throws {
        let services = try services()
        let turn = try #require(services["turn"])
        let gateway = try #require(services["gateway"])
        #expect(turn["secrets"] as? [String] == ["turn_secret"] && gateway["secrets"] as? [String] == ["turn_secret"])
        #expect(services["gateway-2"]?["secrets"] as? [String] == ["turn_secret"])
        for (name, s) in services where !["turn", "gateway", "gateway-2"].contains(name) {
            #expect(s["secrets"] == nil, "\(name) has the TURN secret")
        }
        #expect(environment(gateway)["POSY_TURN_SECRET_FILE"] == "/run/secrets/turn_secret")
        #expect(environment(gateway)["POSY_TURN_URLS"]?.hasPrefix("turn:") == true)
        #expect((turn["ports"] as? [String])?.contains("3478:3478/udp") == true)
        #expect(((turn["volumes"] as? [String]) ?? []).isEmpty, "the relay needs no Posy volume")
        let secrets = try #require(try compose()["secrets"] as? [String: [String: Any]])
        #expect(secrets["turn_secret"]?["file"] as? String == "./turn_secret")
        let ignored = try String(contentsOf: Self.root.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(ignored.split(separator: "\n").contains("compose/turn_secret"))
        let entry = try String(contentsOf: Self.root.appendingPathComponent("compose/turn-entrypoint.sh"), encoding: .utf8)
        #expect(entry.contains("--use-auth-secret") && entry.contains("/run/secrets/turn_secret"))
        for range in ["10.0.0.0-10.255.255.255", "172.16.0.0-172.31.255.255", "192.168.0.0-192.168.255.255", "127.0.0.0-127.255.255.255"] {
            #expect(entry.contains("--denied-peer-ip \(range)"), "\(range) may be relayed into")
        }
    }
}
