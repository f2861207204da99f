import Foundation
import PosyCore
import PosySchema
import PosyStore
import PosyZMQ
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Every suite that starts real processes lives in one of three lanes, each running one suite at a
/// time. The lanes run side by side: the suites mostly wait (for a minute of standing still, a
/// subscriber held at its limit, a page to follow) — with two lanes the machine was 40 % busy on
/// average over a run — so three lanes cut the wall time; more would only test the scheduler on
/// 2 cores.
@Suite(.serialized) struct Integration {}

/// The second lane: the long runs — browsers driving a whole story, every benchmark at its smallest
/// size (each lane 450–500 s on 2 cores; move a suite across when one lane grows much longer).
@Suite(.serialized) struct LongIntegration {}

/// The third lane: processes killed, restarted and upgraded, stores restored and replicated, the
/// suite across hosts — and the notify and security suites, to even the lanes.
@Suite(.serialized) struct FaultIntegration {}

/// Finds the built executables, picks free ports, runs and kills real processes for the tests.
enum Harness {
    /// `POSY_BIN_DIR` (`make test` sets it to its optimized build), else the package's `.build/debug`
    /// (a developer's `swift build --build-tests`).
    static var binDir: String {
        if let d = ProcessInfo.processInfo.environment["POSY_BIN_DIR"], !d.isEmpty { return d }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }

    static func tempDir(_ name: String) -> String {
        let d = runDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// This test process's directory for the suites' data and logs (`posy-it-<pid>`). It stays after
    /// the run, for a failure's logs; the next run removes those of processes that are gone, and
    /// the unit tests' (`posy-unit-<pid>`, see `Scratch`) that a crashed process left behind.
    static let runDirectory: URL = {
        let tmp = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] {
            guard let prefix = ["posy-it-", "posy-unit-"].first(where: name.hasPrefix) else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process lives.
            if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
        return tmp.appendingPathComponent("posy-it-\(getpid())")
    }()

    private static let handedOut = Mutex<Set<Int>>([])

    /// `count` consecutive TCP ports on 127.0.0.1 that are free now (and not handed to another test),
    /// below the kernel's ephemeral range (32768+), so no `tcp://…:*` socket can take one meanwhile.
    static func freePorts(_ count: Int) -> Int {
        while true {
            let base = Int.random(in: 20_000...(32_000 - count))
            let range = base..<(base + count)
            let taken = handedOut.withLock { h in range.contains { h.contains($0) } }
            if !taken && range.allSatisfy(isFree) {
                handedOut.withLock { $0.formUnion(range) }
                return base
            }
        }
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func waitFor(
        _ timeout: Duration, poll: Duration = .milliseconds(100), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: poll)
        }
        return try await condition()
    }

    /// Moves the test clock of the service at `endpoint` (`clock.advance`); returns its time.
    @discardableResult
    static func advanceClock(_ endpoint: String, curve: ZMQCurve?, _ seconds: Double) async throws -> Date {
        let reply = try await RPCClient.withClient(endpoint, curve: curve) {
            try await $0.call(RPCMethod.clockAdvance, ClockAdvance(seconds: seconds))
        }
        return try #require(Timestamp.parse(reply.now))
    }

    /// URLSession's `data(for:)`, shielded from the caller's cancellation: in swift-corelibs-foundation
    /// cancelling a task whose request is completing deadlocks (the cancelling thread holds the task's
    /// status lock and waits for the session's queue, whose thread waits for that lock to resume the
    /// task) — a test that cancels a polling task hung the whole run. A cancelled caller waits for its
    /// request to end instead (every request here has a timeout). Nil when nothing answered.
    static func data(for request: URLRequest) async -> (Data, URLResponse)? {
        await Task { try? await URLSession.shared.data(for: request) }.value
    }

    /// GET on loopback; returns status and body (status 0 when nothing answers).
    static func get(_ url: String) async -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 3
        guard let (data, response) = await data(for: request) else { return (0, Data()) }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// One HTTP request on loopback; JSON body in, status and parsed JSON (object or array) out.
    static func http(
        _ method: String, _ url: String, token: String? = nil, json: Any? = nil, rawBody: Data? = nil,
        headers: [String: String] = [:]
    ) async -> (Int, Any?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if let json {
            request.httpBody = try? JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let rawBody {
            request.httpBody = rawBody
        }
        guard let (data, response) = await data(for: request) else { return (0, nil) }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data))
    }

    /// Runs a command to completion and returns exit status and output.
    static func run(_ executable: String, _ args: [String], timeout: Duration = .seconds(60)) async throws -> (Int32, String) {
        try await run(path: (binDir as NSString).appendingPathComponent(executable), args, timeout: timeout)
    }

    /// Runs any program (absolute path, or a name looked up with /usr/bin/env).
    static func run(path: String, _ args: [String], timeout: Duration = .seconds(60)) async throws -> (Int32, String) {
        let p = Process()
        if path.hasPrefix("/") {
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = args
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [path] + args
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("posy-run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let h = try FileHandle(forWritingTo: out)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        let done = await waitFor(timeout, poll: .milliseconds(50)) { !p.isRunning }
        if !done { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try? h.close()
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: out)
        return (p.terminationStatus, text)
    }

    /// The report a Python peer prints: the last line of its output that is a JSON object.
    static func report(_ output: String) -> [String: Any]? {
        output.split(separator: "\n").last { $0.hasPrefix("{") }
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The rows of a store, read with a read-only connection (the service may be running).
    static func query(_ path: String, _ sql: String) throws -> [SQLRow] {
        try SQLiteConnection(path: path, readOnly: true).query(sql)
    }
}

/// A real child process with its output in a log file; SIGKILLed on `kill()` or when the test ends.
final class Child: @unchecked Sendable {
    let name: String
    let executable: String
    let arguments: [String]
    let logPath: String
    /// Added to the test process's environment.
    let environment: [String: String]
    private var process: Process?
    private let lock = NSLock()

    init(_ name: String, _ executable: String, _ arguments: [String], logDir: String, environment: [String: String] = [:]) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.logPath = (logDir as NSString).appendingPathComponent("\(name).log")
    }

    @discardableResult
    func start() throws -> Child {
        let p = Process()
        // A built executable by name, or any program by absolute path (`ip netns exec …`).
        p.executableURL = URL(
            fileURLWithPath: executable.hasPrefix("/") ? executable : (Harness.binDir as NSString).appendingPathComponent(executable))
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        h.seekToEndOfFile()
        p.standardOutput = h
        p.standardError = h
        try p.run()
        lock.withLock { process = p }
        return self
    }

    var pid: Int32? { lock.withLock { process?.processIdentifier } }
    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    /// SIGKILL and reap.
    func kill() {
        guard let p = lock.withLock({ process }), p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL. Returns whether it exited by itself.
    @discardableResult
    func terminate(grace: Duration = .seconds(10)) async -> Bool {
        guard let p = lock.withLock({ process }), p.isRunning else { return true }
        Foundation.kill(p.processIdentifier, SIGTERM)
        let ok = await Harness.waitFor(grace, poll: .milliseconds(20)) { !p.isRunning }
        if !ok { kill() }
        p.waitUntilExit()
        return ok
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if let p = process, p.isRunning { Foundation.kill(p.processIdentifier, SIGKILL) }
    }
}
