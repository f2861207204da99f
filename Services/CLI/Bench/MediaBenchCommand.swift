import ArgumentParser
import Foundation
import PosyCLI
import PosyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `posy bench media`: upload throughput through the real gateway and `posy-receipts` (MiB/s), next
/// to a plain file copy on the same disk in the same run, and the peak RSS of gateway and receipts
/// during one upload. The client is `curl` (streaming the file from disk) on the same machine.
public struct MediaBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "media", abstract: "Benchmark media uploads against a plain file copy.")

    @Option(name: .customLong("mib"), help: "Size of the uploaded video in MiB.") var mib = 100
    @Option(name: .customLong("runs"), help: "Uploads (and copies) to time; the median is reported.") var runs = 3
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false

    public init() {}

    struct Result: Codable {
        var mib: Int
        var runs: Int
        var uploadMiBps: [Double]
        var copyMiBps: [Double]
        var downloadMiBps: [Double]
        var uploadToCopyRatio: Double
        var gatewayRSSBeforeKiB: Int
        var gatewayPeakKiB: Int
        var receiptsRSSBeforeKiB: Int
        var receiptsPeakKiB: Int
    }

    public func validate() throws {
        guard (1...2048).contains(mib), (1...20).contains(runs) else { throw ValidationError("--mib 1…2048, --runs 1…20") }
    }

    public func run() async throws {
        Allocator.tune()
        let suite = try await BenchSuite.start(
            "media", bin: binDir ?? UpCommand.ownDirectory(), services: ["posy-orders", "posy-receipts"],
            environment: ["POSY_VIDEO_LIMIT_MIB": "\(mib + 1)"])
        defer { suite.stop() }
        let (receiptsPid, gatewayPid) = (suite.pid("posy-receipts")!, suite.pid("posy-gateway")!)
        let (base, dir) = (suite.base, suite.dir)
        let staff = try suite.staffToken()
        let (created, body) = try await suite.send("POST", "/v1/orders", staff, BenchSuite.order)
        guard created == 201, let orderId = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String else {
            throw ValidationError("no order created")
        }

        // The file: an MP4 header (a real `ftyp isom` box) and pseudo-random bytes.
        let source = "\(dir)/source.mp4"
        try Self.writeVideo(source, mib: mib)
        var upload: [Double] = []
        var copy: [Double] = []
        var download: [Double] = []
        var peaks: [(Int, Int, Int, Int)] = []
        for run in 0..<runs {
            Self.poke(source, run)  // different bytes each run: every upload is stored, none deduplicated
            let copyStart = ContinuousClock.now
            try Self.copy(source, to: "\(dir)/copy-\(run).mp4")
            copy.append(Double(mib) / (ContinuousClock.now - copyStart).seconds)
            try? FileManager.default.removeItem(atPath: "\(dir)/copy-\(run).mp4")

            let before = (ProcessMemory.resetPeak(gatewayPid), ProcessMemory.resetPeak(receiptsPid))
            let start = ContinuousClock.now
            let out = try Self.curl([
                "-sS", "-X", "POST", "-T", source, "-H", "Authorization: Bearer \(staff)",
                "-H", "Content-Type: video/mp4", "-H", "Expect:", "\(base)/v1/media?orderId=\(orderId)",
            ])
            let seconds = (ContinuousClock.now - start).seconds
            guard let id = (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["id"] as? String else {
                throw ValidationError("upload failed: \(out.prefix(300))")
            }
            upload.append(Double(mib) / seconds)
            peaks.append((before.0, ProcessMemory.peak(gatewayPid), before.1, ProcessMemory.peak(receiptsPid)))
            let downStart = ContinuousClock.now
            _ = try Self.curl(["-sS", "-o", "/dev/null", "-H", "Authorization: Bearer \(staff)", "\(base)/v1/media/\(id)"])
            download.append(Double(mib) / (ContinuousClock.now - downStart).seconds)
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        let worst = peaks.max { ($0.1 - $0.0) + ($0.3 - $0.2) < ($1.1 - $1.0) + ($1.3 - $1.2) }!
        let r = Result(
            mib: mib, runs: runs, uploadMiBps: upload, copyMiBps: copy, downloadMiBps: download,
            uploadToCopyRatio: median(upload) / median(copy), gatewayRSSBeforeKiB: worst.0 >> 10,
            gatewayPeakKiB: worst.1 >> 10, receiptsRSSBeforeKiB: worst.2 >> 10, receiptsPeakKiB: worst.3 >> 10)
        if json {
            print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
        } else {
            func f(_ xs: [Double]) -> String { xs.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
            print("media bench: \(runs) × \(mib) MiB video, curl → gateway → posy-receipts (1 MiB chunks over ZeroMQ, fsync, rename)")
            print("  upload      median \(String(format: "%.0f", median(upload))) MiB/s   (runs: \(f(upload)))")
            print(
                "  file copy   median \(String(format: "%.0f", median(copy))) MiB/s   (runs: \(f(copy)); read+write 1 MiB, fsync, same disk)"
            )
            print("  upload / copy = \(String(format: "%.2f", r.uploadToCopyRatio))")
            print("  download    median \(String(format: "%.0f", median(download))) MiB/s   (runs: \(f(download)))")
            print(
                "  peak RSS during an upload: gateway \(r.gatewayPeakKiB) KiB (+\(r.gatewayPeakKiB - r.gatewayRSSBeforeKiB)), receipts \(r.receiptsPeakKiB) KiB (+\(r.receiptsPeakKiB - r.receiptsRSSBeforeKiB))"
            )
        }
    }

    static func writeVideo(_ path: String, mib: Int) throws {
        var block = Data([0, 0, 0, 0x20] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2avc1mp41".utf8))
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        var rest = [UInt8](repeating: 0, count: (1 << 20) - block.count)
        for i in rest.indices {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            rest[i] = UInt8(truncatingIfNeeded: x)
        }
        block.append(contentsOf: rest)
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write \(path)")
        }
        defer { try? h.close() }
        for i in 0..<mib {
            if i == 1 { block = Data(rest + Array(block.prefix(32))) }
            h.write(block)
        }
    }

    /// Changes the file's last byte (a new SHA-256 each run).
    static func poke(_ path: String, _ run: Int) {
        guard let h = FileHandle(forUpdatingAtPath: path) else { return }
        h.seekToEndOfFile()
        let end = h.offsetInFile
        h.seek(toFileOffset: end - 1)
        h.write(Data([UInt8(truncatingIfNeeded: run)]))
        try? h.close()
    }

    /// read + write in 1 MiB blocks, then fsync: what the upload path does to the disk.
    static func copy(_ from: String, to: String) throws {
        let src = open(from, O_RDONLY)
        let dst = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        guard src >= 0, dst >= 0 else { throw ValidationError("cannot open files for the copy") }
        defer {
            close(src)
            close(dst)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            _ = buffer.withUnsafeBytes { write(dst, $0.baseAddress, n) }
        }
        fsync(dst)
    }

    static func curl(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["curl"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self)
    }
}
