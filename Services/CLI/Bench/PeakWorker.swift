import ArgumentParser
import Foundation
import PosyAccess
import PosyAuth
import PosyCore
import PosySchema
import Synchronization

/// One driver process of `posy bench peak`: its shops' people on live streams through the gateway,
/// and their hour as it happens — orders created at the city's rate and walked through confirm,
/// assign, accept, pickup and departure; every courier's fix every few seconds; four chat messages
/// among customer, courier and shop per delivery; a proof photo and the proof at the door.
struct PeakWorker: Sendable {
    let plan: PeakPlan
    let signer: TokenSigner
    let http: BenchHTTP
    let probe = PeakProbe()

    init(plan: PeakPlan) {
        self.plan = plan
        signer = TokenSigner(secret: plan.secret)
        // An order's steps run one after the other; several hundred orders are under way at once.
        http = BenchHTTP(base: plan.base, connectionsPerHost: 64)
    }

    /// Streams a driver opens at once: people come online over the morning, not in one second.
    static let opening = 50

    /// The streams of one shop: label → client.
    struct Shop: Sendable {
        var index: Int
        var couriers: [BenchChatClient]
        var customers: [BenchChatClient]
        var consoles: [BenchChatClient]
    }

    func run() async throws -> PeakTally {
        defer { http.shutdown() }
        let url = URL(string: plan.base)
        let shops = try await openStreams(host: url?.host ?? "127.0.0.1", port: url?.port ?? 0)
        probe.note { $0.streams = plan.streams }
        try Data("\(plan.streams)".utf8).write(to: URL(fileURLWithPath: "\(plan.directory)/ready-\(plan.worker)"))
        // The parent says when the hour starts, once every driver's streams are open.
        let goFile = "\(plan.directory)/go"
        while !FileManager.default.fileExists(atPath: goFile) { try await Task.sleep(for: .milliseconds(50)) }
        let startAt = Double(String(decoding: FileManager.default.contents(atPath: goFile) ?? Data(), as: UTF8.self)) ?? 0
        let wait = startAt - Date().timeIntervalSince1970
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        let start = ContinuousClock.now
        let ordersDone = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.fixes(shops, start: start, until: ordersDone) }
            group.addTask {
                defer { ordersDone.withLock { $0 = true } }
                try await self.orders(shops, start: start)
            }
            try await group.waitForAll()
        }
        // The last pushes on their way: under overload they may be seconds late.
        try await Task.sleep(for: .seconds(2))
        try await probe.settle(quiet: .seconds(10), atMost: .seconds(90))
        return probe.tally
    }

    /// Every person's stream, `concurrency` being opened at a time, each waited for until its `stream.open`.
    func openStreams(host: String, port: Int) async throws -> [Shop] {
        var jobs: [(shop: Int, role: Role, n: Int)] = []
        for shop in plan.shops {
            jobs += (0..<plan.couriers(of: shop)).map { (shop, Role.courier, $0) }
            jobs += (0..<plan.customers(of: shop)).map { (shop, Role.customer, $0) }
            jobs += (0..<plan.consoles(of: shop)).map { (shop, Role.staff, $0) }
        }
        let opened = Locked<[Int: [Role: [Int: BenchChatClient]]]>([:])
        let probe = self.probe
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, job) in jobs.enumerated() {
                if i >= Self.opening { try await group.next() }
                let token = try self.token(shop: job.shop, role: job.role, n: job.n)
                let label = Self.label(shop: job.shop, role: job.role, n: job.n)
                group.addTask {
                    // As a page reconnects: a refused or dropped upgrade is tried again after 1, 2, 4, 8 s.
                    for attempt in 0..<5 {
                        let client = BenchChatClient(host: host, port: port, token: token) { probe.received($0, on: label) }
                        var ready = client.ready.makeAsyncIterator()
                        if await ready.next() != nil {
                            opened.withLock { $0[job.shop, default: [:]][job.role, default: [:]][job.n] = client }
                            return
                        }
                        probe.note { $0.streamRetries += 1 }
                        try await Task.sleep(for: .seconds(1 << attempt))
                    }
                    throw PeakError("stream \(label) was refused or closed five times")
                }
            }
            try await group.waitForAll()
        }
        let all = opened.value
        return plan.shops.map { shop in
            func list(_ role: Role) -> [BenchChatClient] {
                let m = all[shop]?[role] ?? [:]
                return m.keys.sorted().compactMap { m[$0] }
            }
            return Shop(index: shop, couriers: list(.courier), customers: list(.customer), consoles: list(.staff))
        }
    }

    func token(shop: Int, role: Role, n: Int) throws -> String {
        switch role {
        case .courier: try signer.mint(sub: PeakPlan.courierId(shop, n), role: .courier, shop: PeakPlan.shopId(shop), ttl: 86_400)
        case .customer: try signer.mint(sub: PeakPlan.customerId(shop, n), role: .customer, ttl: 86_400)
        default: try signer.mint(sub: PeakPlan.staffId(shop, n), role: .staff, shop: PeakPlan.shopId(shop), ttl: 86_400)
        }
    }

    static func label(shop: Int, role: Role, n: Int) -> String {
        switch role {
        case .courier: PeakPlan.courierId(shop, n)
        case .customer: PeakPlan.customerId(shop, n)
        default: PeakPlan.staffId(shop, n)
        }
    }

    /// How early a fix may leave to share its driver's wake-up with the fixes due after it (its
    /// device time is when it leaves, so its latency is measured all the same).
    static let fixTick = Duration.milliseconds(10)

    /// Every courier sends a fix each `fixInterval` seconds, spread evenly over it, until the orders are done.
    func fixes(_ shops: [Shop], start: ContinuousClock.Instant, until done: Locked<Bool>) async throws {
        let couriers = shops.flatMap { shop in shop.couriers.enumerated().map { (shop.index, $0.offset, $0.element) } }
        guard !couriers.isEmpty else { return }
        let step = plan.city.fixInterval / Double(couriers.count)
        var m = 0
        while !done.value {
            // The fixes due within the next tick leave together: a timer's wake-up per tick, not per fix.
            let due = start + .seconds(Double(m) * step)
            if due > .now + Self.fixTick { try await Task.sleep(until: due - Self.fixTick) }
            let (shop, n, client) = couriers[m % couriers.count]
            let round = m / couriers.count
            // Along a street from the shop, 12 m a fix; device time is now.
            let lat = 31.2 + Double(shop % 100) * 0.001 + Double(round) * 12 / 111_195
            let lon = 121.4 + Double(n) * 0.0005
            let frame =
                #"{"type":"\#(StreamFrameType.locationBatch)","positions":[{"lat":\#(lat),"lon":\#(lon),"accuracy":5,"at":"\#(Timestamp.now())"}]}"#
            if (try? await client.send(frame)) != nil { probe.note { $0.fixesSent += 1 } }
            m += 1
        }
    }

    /// Orders arrive at this driver's share of the city's rate for `seconds`; each walks its delivery.
    func orders(_ shops: [Shop], start: ContinuousClock.Instant) async throws {
        let photo = Self.photo(kib: plan.photoKiB)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var credit = 0.0
            var t = 0.0
            var n = 0
            let tick = 0.1
            while t < plan.seconds {
                credit += plan.city.orderRate(at: t) * plan.orderShare * tick
                while credit >= 1 {
                    credit -= 1
                    let shop = shops[n % shops.count]
                    let k = n / shops.count
                    let number = n
                    group.addTask { await self.deliver(shop: shop, k: k, number: number, photo: photo) }
                    n += 1
                }
                t += tick
                try await Task.sleep(until: start + .seconds(t))
            }
            try await group.waitForAll()
        }
    }

    /// One order's life, as fast as the people in it act (docs/performance.md, "A city's peak hour").
    func deliver(shop: Shop, k: Int, number: Int, photo: Data) async {
        probe.note { $0.ordersStarted += 1 }
        let s = shop.index
        let (c, r, m) = (k % shop.customers.count, k % shop.couriers.count, k % shop.consoles.count)
        let customerId = PeakPlan.customerId(s, c)
        let courierId = PeakPlan.courierId(s, r)
        do {
            let staff = try token(shop: s, role: .staff, n: m)
            let courier = try token(shop: s, role: .courier, n: r)
            let created = ContinuousClock.now
            let window = (Date().addingTimeInterval(3600), Date().addingTimeInterval(3 * 3600))
            let body =
                #"{"shopId":"\#(PeakPlan.shopId(s))","customer":{"id":"\#(customerId)","name":"Mei"},"recipient":{"name":"Mother","address":"12 Garden Rd","lat":31.23,"lon":121.47},"items":[{"name":"roses","quantity":11}],"cardMessage":"Happy Valentine's Day","window":{"start":"\#(Timestamp.format(window.0))","end":"\#(Timestamp.format(window.1))"}}"#
            let (status, data) = try await http.send("POST", "/v1/orders", staff, Data(body.utf8), key: "peak-\(plan.worker)-\(number)")
            guard status == 201, let order = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let id = order["id"] as? String, let conversation = order["conversationId"] as? String
            else { throw PeakError("create: \(status) \(String(decoding: data.prefix(200), as: UTF8.self))") }
            try await step("confirm", id, staff)
            probe.note { $0.reached[id, default: []].append(OrderState.confirmed.eventType) }
            probe.expect(PeakProbe.Level.assignment + "|" + id, level: PeakProbe.Level.assignment, since: created, receivers: [courierId])
            try await step("assign", id, staff, #"{"courierId":"\#(courierId)"}"#)
            try await Task.sleep(for: .seconds(1))  // the courier takes the phone out
            try await step("accept", id, courier)
            try await step("pickup", id, courier)
            try await depart(id, courier)
            probe.note { $0.reached[id, default: []].append(OrderState.outForDelivery.eventType) }
            let departed = ContinuousClock.now
            // The conversation: the customer asks, the courier answers, the shop adds a word, the customer thanks.
            let consoles = (0..<shop.consoles.count).map { PeakPlan.staffId(s, $0) }
            let lines: [(at: Double, from: BenchChatClient, to: [String], text: String)] = [
                (2, shop.customers[c], [courierId] + consoles, "Are the roses on their way?"),
                (6, shop.couriers[r], [customerId] + consoles, "Ten minutes away"),
                (10, shop.consoles[m], [customerId, courierId], "A card is tucked in the ribbon"),
                (14, shop.customers[c], [courierId] + consoles, "Thank you!"),
            ].filter { $0.at < plan.deliverySeconds - 1 }
            for (i, line) in lines.enumerated() {
                try await Task.sleep(until: departed + .seconds(line.at))
                let key = "\(plan.worker)-\(number)-\(i)"
                probe.expect(PeakProbe.Level.chat + "|" + key, level: PeakProbe.Level.chat, receivers: line.to)
                try await line.from.send(
                    #"{"type":"\#(StreamFrameType.messageSend)","conversationId":"\#(conversation)","clientMsgId":"\#(key)","kind":"text","text":"\#(line.text)"}"#
                )
            }
            try await Task.sleep(until: departed + .seconds(plan.deliverySeconds))
            let bytes = self.photo(photo, number: number)
            let (uploaded, media) = try await http.send(
                "POST", "/v1/media?orderId=\(id)", courier, bytes, contentType: "image/jpeg")
            guard (200...201).contains(uploaded),
                let mediaId = (try JSONSerialization.jsonObject(with: media) as? [String: Any])?["id"] as? String
            else {
                throw PeakError("photo: \(uploaded) \(String(decoding: media.prefix(200), as: UTF8.self))")
            }
            probe.expect(PeakProbe.Level.proof + "|" + id, level: PeakProbe.Level.proof, receivers: [customerId])
            let proof =
                #"{"photoIds":["\#(mediaId)"],"lat":31.23,"lon":121.47,"accuracy":6,"handedTo":{"kind":"recipient"},"recipientName":"Mother"}"#
            let (proved, answer) = try await http.send("POST", "/v1/orders/\(id)/proof", courier, Data(proof.utf8))
            guard proved == 201 else { throw PeakError("proof: \(proved) \(String(decoding: answer.prefix(200), as: UTF8.self))") }
            probe.note {
                $0.ordersDelivered += 1
                $0.reached[id, default: []].append(OrderState.delivered.eventType)
            }
        } catch {
            probe.note { $0.error("order \(number) of shop \(s): \(error)") }
        }
    }

    /// The courier taps "on my way" — unless posy-location already saw them leave the shop's
    /// geofence with the flowers and set the order out for delivery (then the tap is refused, as in the app).
    func depart(_ id: String, _ token: String) async throws {
        let (status, data) = try await http.send("POST", "/v1/orders/\(id)/depart", token, Data("{}".utf8))
        if status == 200 { return }
        let (got, order) = try await http.send("GET", "/v1/orders/\(id)", token, nil)
        guard status == 409, got == 200,
            (try? JSONSerialization.jsonObject(with: order) as? [String: Any])?["state"] as? String
                == OrderState.outForDelivery.rawValue
        else { throw PeakError("depart: \(status) \(String(decoding: data.prefix(200), as: UTF8.self))") }
    }

    func step(_ action: String, _ id: String, _ token: String, _ body: String = "{}") async throws {
        let (status, data) = try await http.send("POST", "/v1/orders/\(id)/\(action)", token, Data(body.utf8))
        guard status == 200 else { throw PeakError("\(action): \(status) \(String(decoding: data.prefix(200), as: UTF8.self))") }
    }

    /// A JPEG of about `kib` KiB: SOI, a JFIF header, a scan of bytes that do not compress (never
    /// 0xFF, so no marker inside it), EOI — the shape posy-receipts checks.
    static func photo(kib: Int) -> Data {
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        bytes += [0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00]
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        while bytes.count < max(kib * 1024 - 2, 64) {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            bytes.append(min(0xFE, UInt8(truncatingIfNeeded: x)))
        }
        return Data(bytes + [0xFF, 0xD9])
    }

    /// The photo of order `number`: its own bytes (a hash of its own), as each delivery's photo is.
    func photo(_ base: Data, number: Int) -> Data {
        var bytes = base
        bytes.replaceSubrange(40..<56, with: Data(String(format: "%08d%08d", plan.worker, number).utf8))
        return bytes
    }
}
