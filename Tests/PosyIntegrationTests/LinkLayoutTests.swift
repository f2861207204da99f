import Foundation
import Testing

extension Integration {
    /// The executables `make` builds are linked as docs/architecture.md ("Linking") says: what a
    /// process runs from start to rest in one section ahead of the rest of its code, relative
    /// relocations packed; and the tool that finds what a process runs (`make startup-order`) sees it.
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
                let text = try #require(Self.section(".text", in: sections))
                #expect(Self.section(".relr.dyn", in: sections) != nil, "\(name): relative relocations not packed")
                // The start is a small part of the code: what it runs, not all it could.
                #expect(start.size > 64 * 1024 && start.size * 4 < text.size, "\(name): start \(start.size) B, code \(text.size) B")
                let (_, symbols) = try await Harness.run(path: "nm", ["--defined-only", exe])
                let main = try #require(Self.symbol("main", in: symbols), "\(name) has no main")
                #expect(main >= start.address && main < start.address + start.size, "\(name): main is not in the start section")
            }
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
