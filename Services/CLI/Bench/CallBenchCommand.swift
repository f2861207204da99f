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
        let suite = try await BenchSuite.start(
            "call", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-messaging --shard 1", "posy-location", "posy-receipts"], environment: ["POSY_MAP_TILES": ""])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let admin = try suite.signer.mint(sub: "bench", role: .admin, ttl: 3600)
        let courier = try suite.signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 3600)
        let (id, tracking) = try await BrowserBench.orderOnItsWay(suite, staff: staff, courier: courier, home: (31.21, 121.47))
        let (invited, inviteBody) = try await suite.send(
            "POST", "/v1/shops/s1/invites", admin, Data(#"{"role":"courier","name":"Li Wei","courierId":"k1"}"#.utf8))
        guard invited == 201, let link = (try JSONSerialization.jsonObject(with: inviteBody) as? [String: Any])?["link"] as? String else {
            throw ValidationError("could not invite: \(invited)")
        }
        let config: [String: Any] = ["base": suite.base, "courier_link": link, "tracking_link": tracking, "order_id": id, "calls": calls]
        let (line, report) = try BrowserBench.run("call_bench.py", config: config, in: suite.dir)
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
