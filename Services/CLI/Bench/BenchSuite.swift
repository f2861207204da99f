import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosySchema
import PosyStore
import PosyZMQ

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What a benchmark runs against: the bus, the named services and the gateway as processes on free
/// ports, their stores in a temp directory, a fresh secret, and a shop `s1` (`posy bench orders`,
/// `posy bench media`).
struct BenchSuite {
    let dir: String
    let base: String
    /// Executable name → process.
    let processes: [(String, Process)]
    let signer: TokenSigner
    /// The suite's token secret (`POSY_SECRET`), for driver processes that mint their own tokens.
    let secret: String
    /// RPC endpoint of each started service instance (`location` → `tcp://127.0.0.1:…`).
    var rpc: [String: String] = [:]
    let http: BenchHTTP

    /// Starts `posy-bus`, `services` (e.g. `["posy-orders"]`, or with flags: `"posy-messaging --shard 2"`) and
    /// `posy-gateway` from `bin` (`gateways` of them sharing the HTTP port, as `posy up --gateways`);
    /// waits until `/healthz` answers 200 and creates the shop.
    static func start(
        _ name: String, bin: String, services: [String], environment: [String: String] = [:], gateways: Int = 1,
        connectionsPerHost: Int = 6, httpHost: String = "127.0.0.1"
    ) async throws
        -> BenchSuite
    {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posy-bench-\(name)-\(UUID().uuidString)").path
        PrivateFiles.restrictUmask()  // the suite's stores and keys, as `posy up` makes them
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let secret = UUID().uuidString
        // CURVE on, as in production: every process's key pair in <dir>/keys.
        try SuiteKeyring.create(directory: (dir as NSString).appendingPathComponent("keys"), identities: SuiteKeyring.suiteIdentities)
        var ports: [Int] = []
        while ports.count < 4 + services.count {
            let port = try freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        let (bus, busSub, http) = ("tcp://127.0.0.1:\(ports[0])", "tcp://127.0.0.1:\(ports[1])", ports[3])
        let common = ["--bus-pub", bus, "--bus-sub", busSub, "--data-dir", dir, "--log-level", "warning"]
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["POSY_SECRET"] = secret
        // Nothing is measured before the services have let their start go (docs/architecture.md,
        // "Linking"), as in a suite that rested before its first client: soon, and waited for.
        let releaseText = env["POSY_RELEASE_START_AFTER"] ?? "2"
        env["POSY_RELEASE_START_AFTER"] = releaseText
        let release = Double(releaseText) ?? 0
        let launched = ContinuousClock.now
        // A benchmark's couriers are scripted: their consent to location collection is taken as given.
        env["POSY_LOCATION_CONSENT"] = env["POSY_LOCATION_CONSENT"] ?? LocationConsentMode.external.rawValue
        let parsed = services.map { entry -> (exe: String, args: [String], instance: String) in
            let parts = entry.split(separator: " ").map(String.init)
            let shard = parts.firstIndex(of: "--shard").map { "-" + parts[$0 + 1] } ?? ""
            return (parts[0], Array(parts.dropFirst()), String(parts[0].dropFirst("posy-".count)) + shard)
        }
        let expect = ([ServiceName.bus] + parsed.map(\.instance)).joined(separator: ",")
        let launch =
            [
                (
                    "posy-bus",
                    [
                        "--frontend", bus, "--backend", busSub, "--rpc", "tcp://127.0.0.1:\(ports[2])", "--log-level", "warning",
                        "--data-dir", dir,
                    ]
                )
            ]
            + parsed.enumerated().map { i, s in (s.exe, s.args + common + ["--rpc", "tcp://127.0.0.1:\(ports[4 + i])"]) }
            + (gateways == 1 ? [[]] : (1...gateways).map { ["--instance", "\(ServiceName.gateway)-\($0)"] }).map { instance in
                (
                    "posy-gateway",
                    common + [
                        "--http-host", httpHost, "--http-port", "\(http)", "--rate-limit", "0", "--expect", expect, "--rpc",
                        "tcp://127.0.0.1:*",
                    ] + instance
                )
            }
        var processes: [(String, Process)] = []
        for (exe, args) in launch {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: (bin as NSString).appendingPathComponent(exe))
            p.arguments = args
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            processes.append((exe, p))
        }
        var suite = BenchSuite(
            dir: dir, base: "http://127.0.0.1:\(http)", processes: processes, signer: TokenSigner(secret: secret), secret: secret,
            http: BenchHTTP(base: "http://127.0.0.1:\(http)", connectionsPerHost: connectionsPerHost))
        for (i, s) in parsed.enumerated() { suite.rpc[s.instance] = "tcp://127.0.0.1:\(ports[4 + i])" }
        // Nothing is measured before every process is healthy; one that never is stops the run.
        let deadline = Date().addingTimeInterval(60)
        while try await suite.send("GET", "/healthz", nil, nil).0 != 200 {
            guard Date() < deadline else {
                suite.stop()
                throw ValidationError("the suite was not healthy within 60 s (its logs: --log-level on the processes, \(dir))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        // Gateways sharing the port each bind when ready; the kernel gives a connection only to a bound one.
        if gateways > 1 { try await Task.sleep(for: .seconds(1)) }
        if release > 0 { try await Task.sleep(until: launched + .seconds(release + 1), clock: .continuous) }
        let admin = try suite.signer.mint(sub: "bench", role: .admin, ttl: 3600)
        let shop = #"{"id":"s1","name":"Bench Flowers","address":"1 Bench St","lat":31.2,"lon":121.4,"timeZone":"Asia/Shanghai"}"#
        guard try await suite.send("POST", "/v1/shops", admin, Data(shop.utf8)).0 == 201 else {
            suite.stop()
            throw ValidationError("the suite did not come up (no 201 for the shop)")
        }
        return suite
    }

    /// An order of shop `s1`, as every benchmark creates them.
    static let order = Data(
        #"{"shopId":"s1","customer":{"id":"c1","name":"Mei"},"recipient":{"name":"Mother","address":"12 Garden Rd","lat":31.23,"lon":121.47},"items":[{"name":"carnations","quantity":12}],"cardMessage":"For the best mum","window":{"start":"2026-05-10T10:00:00Z","end":"2026-05-10T12:00:00Z"}}"#
            .utf8)

    /// A connection's CURVE role to a socket bound by `server`, proving itself as `identity`: `cli`
    /// for what any identity may ask (`stats`); the gateway where the benchmark plays the gateway's
    /// part and calls for a person — its keys are this suite's own, made for the run
    /// (docs/protocol.md, "Who may call what").
    func curve(to server: String, as identity: String = ServiceName.cli) throws -> ZMQCurve? {
        try BusSecurity(keyring: SuiteKeyring.load(directory: (dir as NSString).appendingPathComponent("keys"), identity: identity))
            .client(of: server)
    }

    func staffToken() throws -> String { try signer.mint(sub: "bench-staff", role: .staff, shop: "s1", ttl: 3600) }

    /// The operator's token: it alone chooses couriers' ids (`k1`…, which the benchmarks' tokens name).
    func adminToken() throws -> String { try signer.mint(sub: "bench", role: .admin, ttl: 3600) }

    var pids: [Int32] { processes.map { $0.1.processIdentifier } }

    /// The pids of the processes of `executable`.
    func pids(_ executable: String) -> [Int32] { processes.filter { $0.0 == executable }.map { $0.1.processIdentifier } }

    func pid(_ executable: String) -> Int32? { processes.first { $0.0 == executable }?.1.processIdentifier }

    /// SIGTERM to every process and the temp directory removed.
    func stop() {
        http.shutdown()
        for (_, p) in processes where p.isRunning { kill(p.processIdentifier, SIGTERM) }
        for (_, p) in processes { p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func send(_ method: String, _ path: String, _ token: String?, _ body: Data?, key: String? = nil) async throws -> (Int, Data) {
        try await http.send(method, path, token, body, key: key)
    }

    /// A TCP port on 127.0.0.1 free right now, from 10000–19999: below the kernel's ephemeral
    /// range (32768+), where a port released here could be taken by any outgoing connection before
    /// the child binds it, and apart from the 20000s the integration tests hand out to their suites.
    static func freePort() throws -> Int {
        for _ in 0..<1_000 {
            let port = Int.random(in: 10_000..<20_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { break }
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw ValidationError("no free port in 10000–19999")
    }
}
