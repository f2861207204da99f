import Foundation
import Testing
import Yams

/// No Docker engine runs here, so the compose file is checked as data: every executable and every
/// default port (docs/architecture.md, "Processes") is there, messaging runs as two shards, the bus is found by environment,
/// each store has a volume of its own, the keys are made once and read by all, and only the gateway is published.
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
        // The host sees the gateway only; bus and RPC ports stay on the compose network.
        let published = services.filter { $0.value["ports"] != nil }
        #expect(Set(published.keys) == ["gateway"])
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
                #expect(exposed.contains(port) || name == "gateway", "\(name) binds \(bind) but does not expose it")
            }
        }
    }

    @Test func keysAreMadeOnceAndEveryServiceReadsThem() throws {
        let services = try services()
        let keys = try #require(services["keys"])
        #expect(keys["command"] as? [String] == ["keys", "create", "--keys-dir", "/keys"])
        #expect(keys["volumes"] as? [String] == ["keys:/keys"])
        for (name, s) in services where name != "keys" {
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
        let dockerfiles = Set(services.values.compactMap { ($0["build"] as? [String: Any])?["dockerfile"] as? String })
        #expect(dockerfiles == ["compose/Dockerfile"])
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("compose/Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("ARG SERVICE"))

        let shards = services.filter { executable($0.value) == "posy-messaging" }
        #expect(shards.count == 2)
        #expect(Set(shards.values.compactMap { ($0["command"] as? [String])?.last }) == ["1", "2"])

        var volumes: [String] = []
        for (name, s) in services where !["bus", "keys"].contains(name) {
            let env = environment(s)
            #expect(env["POSY_BUS_PUB"] == "tcp://bus:7100", "\(name)")
            #expect(env["POSY_BUS_SUB"] == "tcp://bus:7101", "\(name)")
            if name != "gateway" {
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
}
