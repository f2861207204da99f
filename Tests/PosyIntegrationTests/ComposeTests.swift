import Foundation
import Testing
import Yams

/// No Docker engine runs here, so the compose file is checked as data: every executable and every
/// default port (docs/architecture.md, "Processes") is there, messaging runs as two shards, the bus is found by environment, and
/// each store has a volume of its own.
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

    @Test func everyExecutableAndPortOfTheDesignIsThere() throws {
        let services = try services()
        let executables = Set(services.values.compactMap(executable))
        #expect(
            executables == ["posy-bus", "posy-orders", "posy-messaging", "posy-location", "posy-receipts", "posy-notify", "posy-gateway"])
        let published = Set(services.values.flatMap { ($0["ports"] as? [String]) ?? [] }.compactMap { Int($0.split(separator: ":").last!) })
        for port in [7100, 7101, 7110, 7121, 7122, 7130, 7140, 7150, 8080] {
            #expect(published.contains(port), "port \(port) missing")
        }
        // Every service listens where its environment says.
        for (name, s) in services {
            let env = environment(s)
            let binds = env.filter { $0.key.hasSuffix("_RPC") || $0.key.hasSuffix("_FRONTEND") || $0.key.hasSuffix("_BACKEND") }.values
            for bind in binds {
                let port = Int(bind.split(separator: ":").last!)!
                #expect(published.contains(port) || name == "gateway", "\(name) binds \(bind) but does not publish it")
            }
        }
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
        for (name, s) in services where name != "bus" {
            let env = environment(s)
            #expect(env["POSY_BUS_PUB"] == "tcp://bus:7100", "\(name)")
            #expect(env["POSY_BUS_SUB"] == "tcp://bus:7101", "\(name)")
            if name != "gateway" {
                let mounts = (s["volumes"] as? [String]) ?? []
                #expect(mounts.count == 1 && mounts[0].hasSuffix(":/data"), "\(name) has no store volume")
                volumes += mounts.map { String($0.split(separator: ":")[0]) }
            }
        }
        #expect(volumes.count == 6)
        #expect(Set(volumes).count == volumes.count, "two stores share a volume")
        let declared = Set(((try compose()["volumes"] as? [String: Any]) ?? [:]).keys)
        #expect(Set(volumes).isSubset(of: declared))
    }
}
