import Foundation

/// Hosts for a test, made of Linux network namespaces: each host is a namespace with its own
/// loopback and one veth into a bridge the lab owns, on a private /24 picked at random; the test
/// process reaches every host through the bridge. Everything is made by the lab and removed by
/// ``tearDown()`` (and by the next lab if a test was killed): nothing else on the network. A lab
/// lives inside ``NetworkQuiet/whileChanging(_:)``: its links come and go in the test process's own
/// namespace, where a browser in another lane would take them for a network change.
final class NetLab: @unchecked Sendable {
    let tag: String
    let bridge: String
    /// The first three octets of the lab's /24 (`10.a.b`).
    let prefix: String
    private(set) var namespaces: [String] = []
    private var children: [Child] = []
    private let lock = NSLock()
    let logDir: String

    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether this machine lets the test make namespaces (root, `ip` from iproute2, a kernel that allows it).
    static let available: Bool = {
        guard let ip else { return false }
        let name = "posy-probe-\(getpid())"
        guard sh(ip, ["netns", "add", name]) == 0 else { return false }
        _ = sh(ip, ["netns", "del", name])
        return true
    }()

    static let unavailableReason =
        "needs Linux network namespaces (root and iproute2's ip; `ip netns add` was refused or ip is missing): the multi-host test is skipped"

    init(logDir: String) throws {
        tag = String(UUID().uuidString.prefix(6)).lowercased()
        bridge = "pb\(tag)"
        prefix = "10.\(Int.random(in: 150...250)).\(Int.random(in: 1...254))"
        self.logDir = logDir
        Self.sweepStale()
        try run(["link", "add", bridge, "type", "bridge"])
        try run(["link", "set", bridge, "alias", "posy-lab-\(getpid())"])
        try run(["addr", "add", "\(prefix).1/24", "dev", bridge])
        try run(["link", "set", bridge, "up"])
    }

    /// The address of host number `n` (2…254).
    func address(_ n: Int) -> String { "\(prefix).\(n)" }

    /// The namespace of host `n`: it names the lab's process, so a later lab can tell a stale one.
    func namespace(_ n: Int) -> String { "pn\(tag)-p\(getpid())-\(n)" }

    /// Makes host `n` (a namespace with `address(n)`); returns its namespace name.
    @discardableResult
    func host(_ n: Int) throws -> String {
        let ns = namespace(n)
        let outside = "pv\(tag)\(n)"
        try run(["netns", "add", ns])
        lock.withLock { namespaces.append(ns) }
        try run(["link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns])
        try run(["link", "set", outside, "master", bridge])
        try run(["link", "set", outside, "up"])
        try run(["-n", ns, "addr", "add", "\(address(n))/24", "dev", "eth0"])
        try run(["-n", ns, "link", "set", "eth0", "up"])
        try run(["-n", ns, "link", "set", "lo", "up"])
        return ns
    }

    /// Gives every host the same names for hosts (`/etc/netns/<namespace>/hosts`, which `ip netns
    /// exec` puts in place of `/etc/hosts`): host `n` answers to each of `names[n]`.
    func name(_ names: [Int: [String]]) throws {
        var text = "127.0.0.1 localhost\n"
        for (n, aliases) in names.sorted(by: { $0.key < $1.key }) { text += "\(address(n)) \(aliases.joined(separator: " "))\n" }
        for ns in lock.withLock({ namespaces }) {
            try FileManager.default.createDirectory(atPath: "/etc/netns/\(ns)", withIntermediateDirectories: true)
            try text.write(toFile: "/etc/netns/\(ns)/hosts", atomically: true, encoding: .utf8)
        }
    }

    /// Starts a built executable (or an absolute path) on host `n`.
    @discardableResult
    func start(_ name: String, on n: Int, _ executable: String, _ arguments: [String]) throws -> Child {
        let path = executable.hasPrefix("/") ? executable : (Harness.binDir as NSString).appendingPathComponent(executable)
        let child = Child(name, Self.ip!, ["netns", "exec", namespace(n), path] + arguments, logDir: logDir)
        try child.start()
        lock.withLock { children.append(child) }
        return child
    }

    /// Runs a program to completion on host `n`.
    func run(on n: Int, _ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (Int32, String) {
        try await Harness.run(path: Self.ip!, ["netns", "exec", namespace(n), path] + arguments, timeout: timeout)
    }

    func tearDown() {
        for child in lock.withLock({ children }) { child.kill() }
        for ns in lock.withLock({ namespaces }) {
            _ = Self.sh(Self.ip!, ["netns", "del", ns])
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(ns)")
        }
        _ = Self.sh(Self.ip!, ["link", "del", bridge])
    }

    private func run(_ args: [String]) throws {
        let status = Self.sh(Self.ip!, args)
        guard status == 0 else { throw LabError(what: "ip \(args.joined(separator: " ")) failed (\(status))") }
    }

    struct LabError: Error, CustomStringConvertible {
        let what: String
        var description: String { what }
    }

    /// Namespaces and bridges left by a lab whose test process was killed (and only those).
    static func sweepStale() {
        guard let ip else { return }
        func dead(_ pid: Substring) -> Bool { Int32(pid).map { kill($0, 0) != 0 && errno == ESRCH } ?? false }
        for line in capture(ip, ["netns", "list"]).split(separator: "\n") {
            let name = line.split(separator: " ").first ?? ""
            let parts = name.split(separator: "-")
            if name.hasPrefix("pn"), parts.count == 3, parts[1].hasPrefix("p"), dead(parts[1].dropFirst()) {
                sh(ip, ["netns", "del", String(name)])
                try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)")
            }
        }
        for line in capture(ip, ["-o", "link", "show", "type", "bridge"]).split(separator: "\n") {
            guard let alias = line.range(of: "alias posy-lab-") else { continue }
            let pid = line[alias.upperBound...].prefix { $0.isNumber }
            let parts = line.split(separator: ":")
            if parts.count > 1, dead(pid) { sh(ip, ["link", "del", parts[1].trimmingCharacters(in: .whitespaces)]) }
        }
    }

    @discardableResult
    static func sh(_ path: String, _ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    static func capture(_ path: String, _ args: [String]) -> String {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
