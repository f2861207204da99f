import ArgumentParser
import Foundation
import HTTPTypes
import Histogram
import Hummingbird
import Logging
import PosyAuth
import PosyCLI
import PosyCore
import PosySchema
import Synchronization

/// `posy bench notify`: one posy-notify instance draining a burst. posy-notify is paused
/// (SIGSTOP) while N orders are created and confirmed, then resumed: how fast it turns the
/// backlog of durable events into notifications through the rules and templates (each
/// confirmation: the customer's in-app notification), and how fast it delivers the matching
/// signed webhook calls to a local receiver (this process, which checks every signature).
public struct NotifyBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Benchmark notify: events → notifications/s, webhook deliveries/s.")

    @Option(name: .customLong("orders"), help: "Orders created and confirmed while posy-notify is paused.") var orders = 2_000
    @Option(name: .customLong("questions"), help: "Questions the customer asks the order assistant, one after the other.") var questions =
        200
    @Option(name: .customLong("bin-dir"), help: "Where the posy-* executables are (default: next to this posy).") var binDir: String?

    public init() {}

    public func validate() throws {
        guard orders >= 1, questions >= 1 else { throw ValidationError("--orders and --questions must be positive") }
    }

    /// The local webhook receiver: counts calls and checks their signatures.
    final class Receiver: Sendable {
        let secret: String
        let received = Atomic<Int>(0)
        let badSignatures = Atomic<Int>(0)
        let first = Mutex<ContinuousClock.Instant?>(nil)
        let last = Mutex<ContinuousClock.Instant?>(nil)

        init(secret: String) { self.secret = secret }

        func app(port: Int) -> some ApplicationProtocol {
            let router = Router()
            router.post("hook") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 1 << 20)
                let now = ContinuousClock.now
                self.first.withLock { if $0 == nil { $0 = now } }
                self.last.withLock { $0 = now }
                let header = request.headers[HTTPField.Name(WebhookSignature.header)!] ?? ""
                if !WebhookSignature.verify(
                    header: header, body: Data(buffer: body), secret: self.secret,
                    now: Int64(Date().timeIntervalSince1970), tolerance: 3600)
                {
                    self.badSignatures.add(1, ordering: .relaxed)
                }
                self.received.add(1, ordering: .relaxed)
                return .ok
            }
            var logger = Logger(label: "bench.receiver")
            logger.logLevel = .critical  // its shutdown at the end is not news
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        }
    }

    public func run() async throws {
        Allocator.tune()
        let suite = try await BenchSuite.start(
            "notify", bin: binDir ?? UpCommand.ownDirectory(),
            services: ["posy-orders", "posy-notify --allow-local-targets", "posy-messaging --shard 1", "posy-location"])
        defer { suite.stop() }
        let staff = try suite.staffToken()
        let port = try BenchSuite.freePort()
        let receiver = Receiver(secret: "whsec_bench_0123456789abcdef")
        let server = Task { try await receiver.app(port: port).runService() }
        defer { server.cancel() }
        let hook =
            #"{"url":"http://127.0.0.1:\#(port)/hook","events":["\#(OrderState.confirmed.eventType)"],"secret":"\#(receiver.secret)"}"#
        guard try await suite.send("POST", "/v1/webhooks", staff, Data(hook.utf8)).0 == 201 else {
            throw ValidationError("could not register the webhook")
        }
        let notifyPid = try suite.pids("posy-notify").first ?? { throw ValidationError("no posy-notify") }()
        let endpoint = try suite.rpc[ServiceName.notify] ?? { throw ValidationError("no notify RPC endpoint") }()

        // The burst, while posy-notify is paused.
        kill(notifyPid, SIGSTOP)
        let n = orders
        let made = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<n {
                if i >= 16 { try await group.next() }
                group.addTask {
                    let order = String(decoding: BenchSuite.order, as: UTF8.self).replacingOccurrences(
                        of: #""id":"c1""#, with: #""id":"c\#(i)""#)
                    let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
                    guard status == 201, let id = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String else {
                        throw ValidationError("could not create order \(i): \(status)")
                    }
                    guard try await suite.send("POST", "/v1/orders/\(id)/confirm", staff, Data("{}".utf8)).0 == 200 else {
                        throw ValidationError("could not confirm order \(i)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let burst = (ContinuousClock.now - made) / .seconds(1)
        let cpu0 = ProcessCPU.total([notifyPid])
        let resumed = ContinuousClock.now
        kill(notifyPid, SIGCONT)
        let inAppDone = try await RPCClient.withClient(endpoint, curve: try suite.curve(to: ServiceName.notify)) {
            client -> ContinuousClock.Instant? in
            var inAppDone: ContinuousClock.Instant?
            let deadline = ContinuousClock.now + .seconds(300)
            while ContinuousClock.now < deadline {
                if inAppDone == nil, try await client.call(RPCMethod.stats, EmptyBody()).counters["notifications_in_app"] ?? 0 >= Int64(n) {
                    inAppDone = .now
                }
                if inAppDone != nil, receiver.received.load(ordering: .relaxed) >= n { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return inAppDone
        }
        let cpu1 = ProcessCPU.total([notifyPid])
        guard let inAppDone else { throw ValidationError("posy-notify did not catch up within 300 s") }
        let inAppSeconds = (inAppDone - resumed) / .seconds(1)
        let hooks = receiver.received.load(ordering: .relaxed)
        let hookSeconds = (receiver.last.withLock { $0 } ?? .now) - resumed
        let cpuPerEvent = cpu0.flatMap { a in cpu1.map { b in (b - a) * 1e6 / Double(2 * n) } }

        print(
            TextTable.render([
                ["PATH", "COUNT", "SECONDS", "PER SECOND"],
                [
                    "events → in-app notifications (rules, templates, inbox)", "\(n)", String(format: "%.2f", inAppSeconds),
                    String(format: "%.0f", Double(n) / inAppSeconds),
                ],
                [
                    "webhook deliveries (signed, to a local receiver)", "\(hooks)", String(format: "%.2f", hookSeconds / .seconds(1)),
                    String(format: "%.0f", Double(hooks) / (hookSeconds / .seconds(1))),
                ],
            ]))
        print(
            "\(n) orders created and confirmed in \(String(format: "%.1f", burst)) s while posy-notify was paused (SIGSTOP); then resumed.")
        print("Each confirmation: one in-app notification to its customer and one webhook call; \(2 * n) durable events to apply.")
        let assistant = try await askTheAssistant(suite, staff: staff)
        print("")
        print(
            TextTable.render([
                ["ASSISTANT", "QUESTIONS", "P50 ms", "P99 ms", "MAX ms"],
                [
                    "where are my flowers / 花到哪了", "\(assistant.totalCount)",
                    String(format: "%.1f", Double(assistant.valueAtPercentile(50)) / 1000),
                    String(format: "%.1f", Double(assistant.valueAtPercentile(99)) / 1000),
                    String(format: "%.1f", Double(assistant.max) / 1000),
                ],
            ]))
        print("The customer asks over the stream, one question at a time, while the order is out for delivery; latency: send → the")
        print("assistant's msg.new on the customer's stream (its answer reads posy-orders and posy-location over RPC).")
        print(
            "posy-notify CPU per event (applying and delivering): \(cpuPerEvent.map { String(format: "%.0f µs", $0) } ?? "-"); bad signatures: \(receiver.badSignatures.load(ordering: .relaxed))."
        )
    }

    /// An order out for delivery with the courier's position known; the customer asks `questions`
    /// times on the stream and waits for each answer. Returns send → answer latencies (µs).
    func askTheAssistant(_ suite: BenchSuite, staff: String) async throws -> Histogram<UInt64> {
        guard
            try await suite.send(
                "POST", "/v1/shops/s1/couriers", try suite.adminToken(),
                Data(#"{"id":"kq","name":"Quinn","phone":"+86 2","vehicle":"ebike"}"#.utf8)
            ).0 == 201
        else {
            throw ValidationError("could not create the courier")
        }
        let courier = try suite.signer.mint(sub: "kq", role: .courier, shop: "s1", ttl: 3600)
        let order = String(decoding: BenchSuite.order, as: UTF8.self).replacingOccurrences(of: #""id":"c1""#, with: #""id":"cq""#)
        let (status, body) = try await suite.send("POST", "/v1/orders", staff, Data(order.utf8))
        guard status == 201, let created = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            let id = created["id"] as? String,
            let conversation = created["conversationId"] as? String
        else { throw ValidationError("could not create the order") }
        _ = try await suite.send("POST", "/v1/orders/\(id)/confirm", staff, Data("{}".utf8))
        _ = try await suite.send("POST", "/v1/orders/\(id)/assign", staff, Data(#"{"courierId":"kq"}"#.utf8))
        for action in ["accept", "pickup", "depart"] {
            _ = try await suite.send("POST", "/v1/orders/\(id)/\(action)", courier, Data("{}".utf8))
        }
        let fix = Data(#"{"positions":[{"lat":31.205,"lon":121.41,"accuracy":5,"at":"\#(Timestamp.now())"}]}"#.utf8)
        let deadline = Date().addingTimeInterval(30)
        while try await suite.send("POST", "/v1/locations", courier, fix).0 != 200 {
            guard Date() < deadline else { throw ValidationError("posy-location never took the courier's position") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let port = Int(suite.base.split(separator: ":").last!)!
        let (answers, answered) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let customer = BenchChatClient(port: port, token: try suite.signer.mint(sub: "cq", role: .customer, ttl: 3600)) { text in
            if text.hasPrefix(#"{"type":"\#(PushType.messageNew)""#), text.contains(#""party":"assistant""#) { answered.yield(.now) }
        }
        defer { Task { await customer.close() } }
        for await _ in customer.ready { break }
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var iterator = answers.makeAsyncIterator()
        for i in 0..<questions {
            let question = i % 2 == 0 ? "where are my flowers?" : "花到哪了"
            let sent = ContinuousClock.now
            try await customer.send(
                #"{"type":"\#(StreamFrameType.messageSend)","conversationId":"\#(conversation)","clientMsgId":"q\#(i)","kind":"text","text":"\#(question)"}"#
            )
            guard let at = await iterator.next() else { break }
            histogram.record(UInt64(max(0, (at - sent) / .microseconds(1))))
        }
        return histogram
    }
}
