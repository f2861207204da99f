import Foundation
import PosyAuth
import Testing

extension Integration {
    /// A gateway at its open-file limit refuses one more live stream cleanly and keeps serving
    /// (docs/operations.md, "Open files"): every process runs under a limit of 420 descriptors, so
    /// the gateway holds 164 streams, and one person at most 4 of them. Driven by
    /// `Tests/python/stream_capacity.py` with real WebSockets.
    @Suite(.serialized) struct StreamCapacityTests {
        @Test(.timeLimit(.minutes(3)))
        func aGatewayOutOfDescriptorsRefusesStreamsWith503AndKeepsServing() async throws {
            let suite = try SuiteTests.Suite(
                "capacity", environment: ["POSY_MAX_STREAMS_PER_PERSON": "4"], openFiles: 420)
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let (status, output) = try await StreamCapacityTests.drive(suite, mode: "full")
            #expect(status == 0 && output.contains("\nOK"), "\(output)\n\(suite.up.log.suffix(3000))")
            // Every process raised its soft limit to the hard one and said so.
            for name in suite.instances + ["gateway"] {
                #expect(suite.up.log.contains("\(name): open files hard=420 soft=420"), "\(name)")
            }
            #expect(!suite.up.log.contains("Too many open files"), "\(suite.up.log.suffix(3000))")
            // A lone gateway holds its port alone: a stray second one cannot take half of its clients.
            let stray = Child(
                "stray-gateway", "posy-gateway",
                suite.busArgs + ["--http-port", "\(suite.httpPort)", "--rpc", "tcp://127.0.0.1:*", "--instance", "gateway"],
                logDir: suite.dir)
            try stray.start()
            #expect(await Harness.waitFor(.seconds(30)) { !stray.isRunning }, "a second gateway shares the port:\n\(stray.log)")
            #expect(stray.log.lowercased().contains("address already in use"), "\(stray.log.suffix(2000))")
            stray.kill()
            #expect(await suite.stop())
        }

        static func drive(_ suite: SuiteTests.Suite, mode: String, streams: Int = 0) async throws -> (Int32, String) {
            let signer = try suite.signer()
            let config: [String: Any] = [
                "port": suite.httpPort, "admin": try signer.mint(sub: "a1", role: .admin, ttl: 900),
                "staff": try signer.mint(sub: "st1", role: .staff, shop: "s1", ttl: 900),
                // Streams that fill a gateway are many people's, a few each.
                "staffs": try (1...100).map { try signer.mint(sub: "st\($0)", role: .staff, shop: "s1", ttl: 900) },
                "courier": try signer.mint(sub: "k1", role: .courier, shop: "s1", ttl: 900), "mode": mode, "streams": streams,
            ]
            let configPath = (suite.dir as NSString).appendingPathComponent("capacity.json")
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
            let script = Harness.packageRoot.appendingPathComponent("Tests/python/stream_capacity.py").path
            return try await Harness.run(path: "python3", [script, configPath], timeout: .seconds(150))
        }
    }
}
