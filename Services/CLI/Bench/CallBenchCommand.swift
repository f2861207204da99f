import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench call`: "look before you sign" video calls between two headless Chromiums on
/// loopback (`Tests/python/call_bench.py`) — the courier app calls from the task, the customer's
/// page answers — each timed from the tap to both peer connections connected (p50/p99). Bus,
/// orders, a messaging shard, location, receipts and the gateway run here (``BenchSuite``).
public struct CallBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Benchmark video call set-up between two headless Chromiums (needs chromium, chromedriver, selenium).")

    @Option(help: "Calls made one after another.") var calls = 20
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard (1...500).contains(calls) else { throw ValidationError("--calls 1…500") }
    }

    public func run() async throws {
        guard let script = ConsoleBenchCommand.script(named: "call_bench.py") else {
            throw ValidationError("Tests/python/call_bench.py not found: run from the repository")
        }
        let suite = try await BenchSuite.start(
            "call", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-messaging --shard 1", "posy-location", "posy-receipts"], environment: ["POSY_MAP_TILES": ""])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let admin = try suite.signer.mint(sub: "bench", role: .admin, ttl: 3600)
        let courier = try suite.signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 3600)
        guard
            try await suite.send(
                "POST", "/v1/shops/s1/couriers", staff,
                Data(#"{"id":"k1","name":"Li Wei","phone":"+86 131 0000 0001","vehicle":"ebike","onDuty":true}"#.utf8)
            ).0 == 201
        else { throw ValidationError("could not create the courier") }
        let day = ConsoleBenchCommand.today(in: "Asia/Shanghai")
        let order =
            #"{"shopId":"s1","customer":{"id":"c1","name":"Mei"},"recipient":{"name":"Mother","address":"12 Garden Rd","lat":31.21,"lon":121.47},"#
            + #""items":[{"name":"carnations","quantity":12}],"window":{"start":"\#(day)T10:00:00+08:00","end":"\#(day)T12:00:00+08:00"}}"#
        let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
        guard status == 201, let created = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            let id = created["id"] as? String, let tracking = created["trackingUrl"] as? String
        else { throw ValidationError("could not create the order: \(status)") }
        for (path, token, payload) in [
            ("confirm", staff, "{}"), ("assign", staff, #"{"courierId":"k1"}"#), ("accept", courier, "{}"), ("pickup", courier, "{}"),
            ("depart", courier, "{}"),
        ] {
            guard try await suite.send("POST", "/v1/orders/\(id)/\(path)", token, Data(payload.utf8)).0 == 200 else {
                throw ValidationError("could not \(path) the order")
            }
        }
        let (invited, inviteBody) = try await suite.send(
            "POST", "/v1/shops/s1/invites", admin, Data(#"{"role":"courier","name":"Li Wei","courierId":"k1"}"#.utf8))
        guard invited == 201, let link = (try JSONSerialization.jsonObject(with: inviteBody) as? [String: Any])?["link"] as? String else {
            throw ValidationError("could not invite: \(invited)")
        }
        let config: [String: Any] = ["base": suite.base, "courier_link": link, "tracking_link": tracking, "order_id": id, "calls": calls]
        let configPath = (suite.dir as NSString).appendingPathComponent("call-bench.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let (code, output) = try ConsoleBenchCommand.python(script, configPath)
        guard code == 0, let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw ValidationError("the browser run failed:\n\(output.suffix(3000))") }
        if json {
            print(line)
            return
        }
        let setup = report["setup"] as? [String: Any] ?? [:]
        func ms(_ v: Any?) -> String { (v as? Int).map { "\($0) ms" } ?? "-" }
        print(
            TextTable.render([
                ["MEASURE", "P50", "P99", "MAX", "N"],
                [
                    "tap → both connected (answered at once)", ms(setup["p50ms"]), ms(setup["p99ms"]), ms(setup["maxms"]),
                    "\(setup["n"] ?? "-")",
                ],
            ]))
        print(
            "Two Chromiums and the suite (bus, orders, messaging, location, receipts, gateway) on this same \(ProcessInfo.processInfo.activeProcessorCount)-core machine, loopback."
        )
    }
}
