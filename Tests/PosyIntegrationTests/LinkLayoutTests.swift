import Foundation
import PosyCore
import PosySchema
import Testing

extension Integration {
    /// The executables `make` builds are linked as docs/architecture.md ("Linking") says: what a
    /// process runs at rest, then what it runs only to start, in two sections ahead of the rest of
    /// its code, relative relocations packed, the Swift runtime and Foundation inside the services'
    /// executables; a service lets its start go once it is over; and the tool that finds what a
    /// process runs (`make startup-order`) sees it.
    @Suite(.enabled(if: ProcessInfo.processInfo.environment["POSY_BIN_DIR"] != nil, "the layout is make's build, not swift build's"))
    struct LinkLayoutTests {
        static let services = [
            "posy-bus", "posy-orders", "posy-messaging", "posy-location", "posy-receipts", "posy-notify", "posy-gateway",
        ]

        /// One section of `readelf -S -W`: its address and size.
        static func section(_ name: String, in listing: String) -> (address: UInt64, size: UInt64)? {
            for line in listing.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard let at = fields.firstIndex(where: { $0 == name }), fields.count > at + 4,
                    let address = UInt64(fields[at + 2], radix: 16), let size = UInt64(fields[at + 4], radix: 16)
                else { continue }
                return (address, size)
            }
            return nil
        }

        /// The address of a symbol `nm` lists.
        static func symbol(_ name: String, in listing: String) -> UInt64? {
            for line in listing.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count == 3, fields[2] == name { return UInt64(fields[0], radix: 16) }
            }
            return nil
        }

        /// The executable code's LOAD segment of `readelf -l -W`: file offset, address, size in the file.
        static func codeSegment(in listing: String) -> (offset: UInt64, address: UInt64, size: UInt64)? {
            for line in listing.split(separator: "\n") {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 8, f[0] == "LOAD", f.contains("E") else { continue }
                let hex = { (s: Substring) in UInt64(s.hasPrefix("0x") ? s.dropFirst(2) : s, radix: 16) }
                guard let offset = hex(f[1]), let address = hex(f[2]), let size = hex(f[4]) else { continue }
                return (offset, address, size)
            }
            return nil
        }

        @Test func eachServiceRunsItsStartFromOneSection() async throws {
            for name in Self.services {
                let exe = (Harness.binDir as NSString).appendingPathComponent(name)
                let (status, sections) = try await Harness.run(path: "readelf", ["-S", "-W", exe])
                try #require(status == 0, "readelf \(name): \(sections.prefix(500))")
                let start = try #require(Self.section(".text.posy_start", in: sections), "\(name) has no start section")
                let rest = try #require(Self.section(".text.posy_rest", in: sections), "\(name) has no rest section")
                let text = try #require(Self.section(".text", in: sections))
                #expect(Self.section(".relr.dyn", in: sections) != nil, "\(name): relative relocations not packed")
                // What it runs is a small part of the code, not all it could; what runs at rest lies first.
                let code = start.size + rest.size + text.size
                #expect(
                    start.size > 64 * 1024 && rest.size > 64 * 1024 && (start.size + rest.size) * 3 < code
                        && rest.address < start.address,
                    "\(name): rest \(rest.size) B, start \(start.size) B, code \(code) B")
                let (_, symbols) = try await Harness.run(path: "nm", ["--defined-only", exe])
                let main = try #require(Self.symbol("main", in: symbols), "\(name) has no main")
                #expect(main >= start.address && main < start.address + start.size, "\(name): main is not in the start section")
            }
        }

        /// The Swift runtime and Foundation are linked into each service's executable, not loaded from
        /// the toolchain's shared libraries, and the executable exports none of its symbols.
        @Test func eachServiceCarriesTheSwiftRuntime() async throws {
            for name in Self.services {
                let exe = (Harness.binDir as NSString).appendingPathComponent(name)
                let (status, dynamic) = try await Harness.run(path: "readelf", ["-d", "-W", exe])
                try #require(status == 0, "readelf \(name): \(dynamic.prefix(500))")
                let needed = dynamic.split(separator: "\n").filter { $0.contains("(NEEDED)") }
                #expect(needed.contains { $0.contains("libzmq") }, "\(name): \(needed)")
                #expect(
                    !needed.contains { $0.contains("libswift") || $0.contains("Foundation") || $0.contains("dispatch") },
                    "\(name) loads the toolchain's libraries: \(needed)")
                let (_, sections) = try await Harness.run(path: "readelf", ["-S", "-W", exe])
                let symbols = try #require(Self.section(".dynsym", in: sections))
                // What it imports from libc, libzmq and SQLite: hundreds, not the tens of thousands it defines.
                #expect(symbols.size / 24 < 2_000, "\(name) exports its symbols: \(symbols.size / 24) in .dynsym")
            }
        }

        /// A service lets go of its executable's pages some seconds after start (docs/performance.md,
        /// "The runtime inside, and the start let go"). On its own copy of posy-bus, so that no other
        /// test's process shares the pages, beside the build's (a file on disk: the temp directory may
        /// be a tmpfs, whose pages have nowhere to go): the pages it ran to start leave it, and it goes
        /// on answering.
        @Test func aServiceLetsItsStartGo() async throws {
            let dir = Harness.tempDir("start-pages")
            let exe = (Harness.binDir as NSString).appendingPathComponent("posy-bus-start-pages-\(UUID().uuidString.prefix(8))")
            try FileManager.default.copyItem(atPath: (Harness.binDir as NSString).appendingPathComponent("posy-bus"), toPath: exe)
            defer { try? FileManager.default.removeItem(atPath: exe) }
            // As /proc names it: the build's directories are links.
            let mapped = try #require(
                realpath(exe, nil).map { path in
                    defer { free(path) }
                    return String(cString: path)
                })
            // Written back, so that the kernel may drop the pages rather than wait for the disk.
            let file = try FileHandle(forUpdating: URL(fileURLWithPath: exe))
            try file.synchronize()
            try file.close()
            let port = Harness.freePorts(3)
            let bus = try Child(
                "bus", exe,
                [
                    "--frontend", "tcp://127.0.0.1:\(port)", "--backend", "tcp://127.0.0.1:\(port + 1)", "--rpc",
                    "tcp://127.0.0.1:\(port + 2)", "--insecure-bus", "--data-dir", dir + "/data", "--log-level", "info",
                ], logDir: dir, environment: ["POSY_RELEASE_START_AFTER": "8"]
            ).start()
            defer { bus.kill() }
            let pid = try #require(bus.pid)
            let started = await Harness.waitFor(.seconds(60)) { bus.log.contains("bus: started") }
            try #require(started, "\(bus.log.suffix(2000))")
            let before = try Self.residentKiB(of: mapped, in: pid)
            try #require(!bus.log.contains("releasing start pages"), "released before it was measured: \(bus.log.suffix(1000))")
            let released = await Harness.waitFor(.seconds(60)) { bus.log.contains("releasing start pages") }
            try #require(released, "\(bus.log.suffix(2000))")
            var after = before
            let fell = await Harness.waitFor(.seconds(30)) {
                after = (try? Self.residentKiB(of: mapped, in: pid)) ?? before
                return after * 2 < before
            }
            #expect(before > 1024 && fell, "\(before) KiB of the executable resident before, \(after) KiB after")
            #expect(!bus.log.contains("start pages kept"), "\(bus.log.suffix(1000))")
            // It goes on answering, from the pages it runs at rest.
            let stats: StatsReport = try await RPCClient.withClient("tcp://127.0.0.1:\(port + 2)", curve: nil) {
                try await $0.call(RPCMethod.stats, EmptyBody())
            }
            #expect(stats.gauges["rss_bytes"].map { $0 > 0 } == true, "\(stats.gauges)")
            #expect(bus.isRunning, "\(bus.log.suffix(2000))")
        }

        /// KiB of `path` a process has resident, from its smaps.
        static func residentKiB(of path: String, in pid: Int32) throws -> Int {
            let smaps = try String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8)
            var total = 0
            var inFile = false
            for line in smaps.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count >= 5, fields[0].contains("-"), fields[1].count == 4 {  // a mapping: range, perms, …, path
                    inFile = fields.count >= 6 && fields[5...].joined(separator: " ") == path
                } else if inFile, fields.count >= 2, fields[0] == "Rss:" {
                    total += Int(fields[1]) ?? 0
                }
            }
            return total
        }

        @Test func pageTraceListsThePagesAProcessRan() async throws {
            let dir = Harness.tempDir("pagetrace")
            let library = dir + "/pagetrace.so"
            let source = Harness.packageRoot.appendingPathComponent("Tests/tools/pagetrace.c").path
            var compiled: (Int32, String) = (-1, "no C compiler (cc, clang)")
            for cc in ["cc", "clang"] where compiled.0 != 0 {
                compiled = try await Harness.run(path: cc, ["-O2", "-shared", "-fPIC", "-pthread", "-o", library, source])
            }
            try #require(compiled.0 == 0, "\(compiled.1)")
            let exe = (Harness.binDir as NSString).appendingPathComponent("posy-bus")
            let (status, out) = try await Harness.run(
                path: "/usr/bin/env",
                ["PAGETRACE_OUT=\(dir)/trace", "SWIFT_BACKTRACE=enable=no", "LD_PRELOAD=\(library)", exe, "--help"])
            #expect(status == 0 && out.contains("--frontend"), "\(out.prefix(1000))")
            let traces = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("trace.") }
            try #require(traces.count == 1, "\(traces)")
            let lines = try String(contentsOfFile: dir + "/" + traces[0], encoding: .utf8).split(separator: "\n")
            #expect(lines.first.map(String.init).map { URL(fileURLWithPath: $0).lastPathComponent } == "posy-bus")
            let pages = Set(lines.dropFirst().compactMap { UInt64($0, radix: 16) })

            let (_, headers) = try await Harness.run(path: "readelf", ["-l", "-W", exe])
            let code = try #require(Self.codeSegment(in: headers), "\(headers.prefix(2000))")
            #expect(!pages.isEmpty && pages.allSatisfy { $0 % 4096 == 0 && $0 >= code.offset & ~4095 && $0 < code.offset + code.size })
            #expect(
                UInt64(pages.count) * 4096 < code.size / 2, "\(pages.count) pages of \(code.size) B: a trace must tell run from not run")
            let (_, symbols) = try await Harness.run(path: "nm", ["--defined-only", exe])
            let main = try #require(Self.symbol("main", in: symbols))
            #expect(pages.contains((main - code.address + code.offset) & ~4095), "main's page is not in the trace")
        }
    }
}
