import ArgumentParser
import Foundation
import Histogram
import PosyAccess
import PosyCLI
import PosyCore
import PosySchema
import Synchronization

/// `posy bench location`: one posy-location instance. Positions ingested per second in batches
/// straight over RPC and through the gateway (`POST /v1/locations`); then N couriers out for
/// delivery each send a position a second over their stream, and the latency from a courier's
/// send to the `order.position` push on their customer's stream is measured.
public struct LocationBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "location", abstract: "Benchmark location: positions/s ingested, send → customer push latency.")

    @Option(name: .customLong("couriers"), help: "Couriers out for delivery in the latency phase (each with a customer watching).")
    var couriers = 2_000
    @Option(name: .customLong("batch"), help: "Positions per batch in the ingest phases.") var batch = 500
    @Option(name: .customLong("concurrency"), help: "Batches in flight in the ingest phases.") var concurrency = 8
    @Option(name: .customLong("seconds"), help: "Length of each phase.") var seconds = 5.0
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?

    public init() {}

    public func validate() throws {
        guard couriers >= 1, (1...LocationRPC.maxBatch).contains(batch), concurrency >= 1, seconds > 0 else {
            throw ValidationError("all figures must be positive; --batch at most \(LocationRPC.maxBatch)")
        }
    }

    public func run() async throws {
        Allocator.tune()
        let suite = try await BenchSuite.start(
            "location", bin: binDir ?? UpCommand.ownDirectory(), services: ["posy-orders", "posy-location"])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let ingestCouriers = concurrency * 4
        let total = max(couriers, ingestCouriers * 2)
        try await parallel(total, width: 16) { i in
            let body = #"{"id":"k\#(i)","name":"Courier \#(i)","phone":"+86 1","vehicle":"ebike"}"#
            guard try await suite.send("POST", "/v1/shops/s1/couriers", try suite.adminToken(), Data(body.utf8)).0 == 201 else {
                throw ValidationError("could not create courier k\(i)")
            }
        }
        let locationPids = suite.pids("posy-location")
        let rpcEndpoint = try suite.rpc[ServiceName.location] ?? { throw ValidationError("no location RPC endpoint") }()
        // Wait until posy-location knows every courier (it learns them from orders' events).
        let token0 = try suite.signer.mint(sub: "k\(total - 1)", role: .courier, shop: "s1", ttl: 3600)
        let deadline = Date().addingTimeInterval(30)
        while try await suite.send("POST", "/v1/locations", token0, Self.batch(1, courier: 0, from: 0)).0 != 200 {
            guard Date() < deadline else { throw ValidationError("posy-location never learnt the couriers") }
            try await Task.sleep(for: .milliseconds(100))
        }

        let batch = self.batch
        let concurrency = self.concurrency
        // Ingest over RPC: couriers 0..<ingestCouriers, each batch later in device time than the last.
        let cpu0 = ProcessCPU.total(locationPids)
        let (rpcAccepted, rpcElapsed) = try await RPCClient.withClients(
            Array(repeating: rpcEndpoint, count: concurrency), curve: try suite.curve(to: ServiceName.location, as: ServiceName.gateway)
        ) { clients in
            try await ingestPhase { slot, round in
                let courier = slot + concurrency * (round % 4)
                let viewer = Viewer.user(sub: "k\(courier)", role: .courier, shop: "s1", order: nil)
                let request = LocationRPC.IngestRequest(positions: Self.fixes(batch, courier: courier, round: round / 4))
                return try await clients[slot].call(LocationRPC.ingest, request, as: viewer, timeout: .seconds(10)).accepted
            }
        }
        let cpu1 = ProcessCPU.total(locationPids)

        // Ingest through the gateway: other couriers, same shape.
        let tokens = try (0..<ingestCouriers).map {
            try suite.signer.mint(sub: "k\(ingestCouriers + $0)", role: .courier, shop: "s1", ttl: 3600)
        }
        let (httpAccepted, httpElapsed) = try await ingestPhase { slot, round in
            let courier = slot + concurrency * (round % 4)
            let body = Self.batch(batch, courier: ingestCouriers + courier, from: round / 4)
            let (status, data) = try await suite.send("POST", "/v1/locations", tokens[courier], body)
            guard status == 200 else {
                throw ValidationError("POST /v1/locations: \(status) \(String(decoding: data.prefix(200), as: UTF8.self))")
            }
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["accepted"] as? Int ?? 0
        }

        // Latency: every courier out for delivery with a customer watching, one position a second.
        let n = couriers
        // A window later today: the deliveries are on time (no delay alerts), as on most days.
        let window =
            #"{"start":"\#(Timestamp.format(Date().addingTimeInterval(3600)))","end":"\#(Timestamp.format(Date().addingTimeInterval(3 * 3600)))"}"#
        try await parallel(n, width: 16) { i in
            let order = String(decoding: BenchSuite.order, as: UTF8.self).replacingOccurrences(of: #""id":"c1""#, with: #""id":"c\#(i)""#)
                .replacingOccurrences(of: #"{"start":"2026-05-10T10:00:00Z","end":"2026-05-10T12:00:00Z"}"#, with: window)
            let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
            guard status == 201, let id = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String else {
                throw ValidationError("could not create order \(i): \(status)")
            }
            let courier = try suite.signer.mint(sub: "k\(i)", role: .courier, shop: "s1", ttl: 3600)
            _ = try await suite.send("POST", "/v1/orders/\(id)/confirm", staff, Data("{}".utf8))
            _ = try await suite.send("POST", "/v1/orders/\(id)/assign", staff, Data(#"{"courierId":"k\#(i)"}"#.utf8))
            for action in ["accept", "pickup", "depart"] {
                _ = try await suite.send("POST", "/v1/orders/\(id)/\(action)", courier, Data("{}".utf8))
            }
        }
        try await Task.sleep(for: .seconds(1))  // posy-location applies the departures
        let port = Int(suite.base.split(separator: ":").last!)!
        let probe = Probe()
        let customers = try (0..<n).map { i in
            BenchChatClient(port: port, token: try suite.signer.mint(sub: "c\(i)", role: .customer, ttl: 3600)) { probe.received($0) }
        }
        let senders = try (0..<n).map { i in
            BenchChatClient(port: port, token: try suite.signer.mint(sub: "k\(i)", role: .courier, shop: "s1", ttl: 3600)) { _ in }
        }
        for c in customers + senders { for await _ in c.ready { break } }
        let start = ContinuousClock.now
        let rounds = Int(seconds.rounded(.up)) + 1
        let sent = Atomic<Int>(0)
        for r in 0..<rounds {
            // Spread each round's sends over its second.
            for i in 0..<n {
                let due = start + .seconds(Double(r) + Double(i) / Double(n))
                if due > .now { try await Task.sleep(until: due) }
                let p = (lat: 31.2 + Double(r) * 12 / 111_195, lon: 121.4 + Double(i) * 0.0001)
                let frame =
                    #"{"type":"\#(StreamFrameType.locationBatch)","positions":[{"lat":\#(p.lat),"lon":\#(p.lon),"accuracy":5,"at":"\#(Timestamp.now())"}]}"#
                if (try? await senders[i].send(frame)) != nil { sent.add(1, ordering: .relaxed) }
            }
        }
        try await Task.sleep(for: .seconds(2))
        for c in customers + senders { await c.close() }
        let h = probe.histogram.withLock { $0 }

        let rpcRate = Double(rpcAccepted) / rpcElapsed
        var rows = [["PATH", "POSITIONS", "POSITIONS/S", "LOCATION CPU µs/POSITION"]]
        rows.append([
            "RPC location.ingest", "\(rpcAccepted)", String(format: "%.0f", rpcRate),
            (cpu0.flatMap { a in cpu1.map { b in String(format: "%.2f", (b - a) * 1e6 / Double(max(1, rpcAccepted))) } }) ?? "-",
        ])
        rows.append(["POST /v1/locations", "\(httpAccepted)", String(format: "%.0f", Double(httpAccepted) / httpElapsed), "-"])
        print(TextTable.render(rows))
        print("Batches of \(batch), \(concurrency) in flight, \(Int(seconds)) s each, every position kept (device times move on).")
        print("")
        print(
            TextTable.render([
                ["COURIERS", "SENT", "CUSTOMER PUSHES", "P50 ms", "P99 ms", "MAX ms"],
                [
                    "\(n)", "\(sent.load(ordering: .relaxed))", "\(h.totalCount)",
                    String(format: "%.2f", Double(h.valueAtPercentile(50)) / 1000),
                    String(format: "%.2f", Double(h.valueAtPercentile(99)) / 1000), String(format: "%.2f", Double(h.max) / 1000),
                ],
            ]))
        print("\(n) couriers out for delivery each send one position a second over their stream, moving 12 m; the customer of each")
        print("order watches on a stream of their own (\(2 * n) WebSockets, all on this machine). Pushes are throttled to one per")
        print("courier every 2 s. Latency: the position's device time (the send) → the order.position push on the customer's stream.")
    }

    /// Runs `body` over `0..<count`, `width` at a time.
    func parallel(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<count {
                if i >= width { try await group.next() }
                group.addTask { try await body(i) }
            }
            try await group.waitForAll()
        }
    }

    /// `concurrency` loops sending batches for `seconds`; returns positions accepted and the elapsed seconds.
    func ingestPhase(_ send: @escaping @Sendable (_ slot: Int, _ round: Int) async throws -> Int) async throws -> (Int, Double) {
        let end = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for slot in 0..<concurrency {
                group.addTask {
                    var n = 0
                    var round = 0
                    while ContinuousClock.now < end {
                        n += try await send(slot, round)
                        round += 1
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return (accepted, (ContinuousClock.now - start).seconds)
    }

    /// `count` fixes of `courier`'s `round`-th batch: 0.2 s and 1 m apart, starting 20 h ago.
    static func fixes(_ count: Int, courier: Int, round: Int) -> [PositionFix] {
        let base = Date().timeIntervalSince1970.rounded(.down) - 20 * 3600
        return (0..<count).map { k in
            let step = Double(round * count + k)
            return PositionFix(
                lat: 31.2 + step / 111_195, lon: 121.4 + Double(courier) * 0.001, accuracy: 5,
                at: Timestamp.format(Date(timeIntervalSince1970: base + step * 0.2)))
        }
    }

    static func batch(_ count: Int, courier: Int, from round: Int) -> Data {
        (try? JSON.encode(["positions": fixes(count, courier: courier, round: round)])) ?? Data()
    }

    /// Send → `order.position` latency on the customers' streams (microseconds).
    final class Probe: Sendable {
        let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))

        func received(_ text: String) {
            guard text.hasPrefix(#"{"type":"\#(PushType.orderPosition)""#), let p = text.range(of: #""position":{"#),
                let r = text.range(of: #""at":""#, range: p.upperBound..<text.endIndex)
            else { return }
            let now = Date()
            guard let close = text[r.upperBound...].firstIndex(of: "\""), let at = Timestamp.parse(String(text[r.upperBound..<close]))
            else { return }
            let micros = max(0, now.timeIntervalSince(at)) * 1_000_000
            histogram.withLock { _ = $0.record(UInt64(micros)) }
        }
    }
}
