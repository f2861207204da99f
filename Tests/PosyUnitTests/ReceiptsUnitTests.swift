import Foundation
import Logging
import PosyAccess
import PosyCore
import PosyOrders
import PosyReceiptsPolicy
import PosySchema
import PosyStore
import Testing

@testable import PosyGateway
@testable import PosyReceipts

@Suite struct EvidenceChainTests {
    static func store() throws -> Store {
        let path = Scratch.directory.appendingPathComponent("posy-chain-\(UUID().uuidString)/r.db").path
        return try Store(path: path, migrations: CoreMigrations.with(ReceiptsMigrations.all))
    }

    struct Note: Codable {
        var text: String
        var n: Int
    }

    static let seal = EvidenceSeal(secret: "suite-secret")

    static func verify(_ store: Store, _ order: String, seal: EvidenceSeal? = EvidenceChainTests.seal) async throws -> ChainVerification {
        try await store.read { db in
            EvidenceChain.verify(
                orderId: order, try EvidenceChain.records(db, orderId: order), head: try EvidenceChain.head(db, orderId: order),
                seal: seal)
        }
    }

    @Test func appendedRecordsVerifyAndAnyChangedByteIsNamed() async throws {
        let store = try Self.store()
        defer { store.close() }
        try await store.write { db in
            for i in 1...4 {
                try EvidenceChain.append(db, seal: Self.seal, orderId: "o1", kind: "note", at: "t\(i)", Note(text: "record \(i)", n: i))
            }
            try EvidenceChain.append(db, seal: Self.seal, orderId: "o2", kind: "note", at: "t", Note(text: "other order", n: 1))
        }
        let records = try await store.read { db in try EvidenceChain.records(db, orderId: "o1") }
        let head = try await store.read { db in try EvidenceChain.head(db, orderId: "o1") }
        #expect(records.map(\.n) == [1, 2, 3, 4])
        #expect(records[0].prevHash == "" && records[1].prevHash == records[0].hash)
        #expect(records[2].body == #"{"n":3,"text":"record 3"}"#)
        #expect(head?.n == 4 && head?.hash == records[3].hash)
        func verify(_ r: [EvidenceRecord]) -> ChainVerification { EvidenceChain.verify(orderId: "o1", r, head: head, seal: Self.seal) }
        #expect(verify(records).ok && verify(records).sealChecked == true)
        #expect(verify(records).head == records[3].hash)

        var tampered = records
        tampered[2].body = #"{"n":3,"text":"record 8"}"#
        #expect(verify(tampered).firstMismatch?.n == 3)
        // Re-hashing the changed record does not help: the next one no longer links to it.
        tampered[2].hash = EvidenceChain.hash(prev: tampered[2].prevHash, body: tampered[2].body)
        #expect(verify(tampered).firstMismatch?.n == 4)
        var dropped = records
        dropped.remove(at: 1)
        #expect(verify(dropped).firstMismatch?.n == 3)
        // Only the link changed: the record's own hash still matches its body.
        var relinked = records
        relinked[1].prevHash = String(repeating: "0", count: 64)
        #expect(verify(relinked).firstMismatch == .init(n: 2, kind: "note", reason: "its prevHash is not the hash of record 1"))
        // Known answers, as any sha256 tool computes them: sha256(prev + "\n" + body).
        #expect(EvidenceChain.hash(prev: "", body: "{}") == "a062dd4952b935e430d409c4a5e5cd760e8781e3200d5c7e12a232dddba8a528")
        #expect(EvidenceChain.hash(prev: "abc", body: #"{"a":1}"#) == "76d60f196e163a815fca6ce112418a550ab4e61e1870c2bfc932fb0f011efb33")
    }

    /// Cutting records off the end leaves a chain that still links; the sealed head tells.
    @Test func truncationAndHeadTamperingAreReported() async throws {
        let store = try Self.store()
        defer { store.close() }
        try await store.write { db in
            for i in 1...5 {
                try EvidenceChain.append(
                    db, seal: Self.seal, orderId: "o1", kind: i == 3 ? "proof" : "media", at: "t\(i)", Note(text: "r", n: i))
            }
        }
        #expect(try await Self.verify(store, "o1").ok)
        // The proof record and everything after it deleted.
        try await store.write { db in _ = try db.run("DELETE FROM evidence WHERE order_id = 'o1' AND n >= 3") }
        let cut = try await Self.verify(store, "o1")
        #expect(!cut.ok)
        #expect(cut.firstMismatch == .init(n: 3, kind: "missing", reason: "records 3…5 are missing: the sealed head counts 5"))
        // Without the secret the count still tells; only the seal goes unchecked.
        let unsealed = try await Self.verify(store, "o1", seal: nil)
        #expect(!unsealed.ok && unsealed.sealChecked == false && unsealed.firstMismatch?.kind == "missing")
        // Moving the head back to record 2 needs a new seal; an old or made-up one does not verify.
        let second = try await store.read { db in try EvidenceChain.records(db, orderId: "o1")[1] }
        try await store.write { db in _ = try db.run("UPDATE evidence_heads SET n = 2, hash = ? WHERE order_id = 'o1'", second.hash) }
        #expect(try await Self.verify(store, "o1").firstMismatch?.kind == "head")
        #expect(try await Self.verify(store, "o1", seal: EvidenceSeal(secret: "a guess")).firstMismatch?.kind == "head")
        // The head row deleted too.
        try await store.write { db in _ = try db.run("DELETE FROM evidence_heads WHERE order_id = 'o1'") }
        #expect(try await Self.verify(store, "o1").firstMismatch?.reason.contains("no sealed head") == true)
        // A holder of the secret can seal the shorter chain: the seal is what a tamperer lacks.
        try await store.write { db in
            _ = try db.run(
                "INSERT INTO evidence_heads(order_id, n, hash, seal) VALUES ('o1', 2, ?, ?)", second.hash,
                Self.seal.seal(orderId: "o1", n: 2, hash: second.hash))
        }
        #expect(try await Self.verify(store, "o1").ok)
    }

    /// Chains from before heads were kept are sealed once; a head deleted later is not sealed again.
    @Test func existingChainsAreSealedOnceAtStart() async throws {
        let store = try Self.store()
        defer { store.close() }
        try await store.write { db in
            for i in 1...3 { try EvidenceChain.append(db, seal: Self.seal, orderId: "o1", kind: "media", at: "t", Note(text: "r", n: i)) }
            _ = try db.run("DELETE FROM evidence_heads")
        }
        #expect(try await store.write { db in try EvidenceChain.sealMissingHeads(db, seal: Self.seal) } == 1)
        #expect(try await Self.verify(store, "o1").ok)
        try await store.write { db in _ = try db.run("DELETE FROM evidence_heads") }
        #expect(try await store.write { db in try EvidenceChain.sealMissingHeads(db, seal: Self.seal) } == 0)
        #expect(!(try await Self.verify(store, "o1").ok))
    }
}

@Suite struct ProofCheckTests {
    static func order(noDoorstep: Bool = false) -> Order {
        Order(
            id: "o1", shopId: "s1", conversationId: "m1-o1", state: .outForDelivery, customer: nil,
            recipient: OrderRecipient(name: "Mother", phone: nil, address: "Alexanderplatz 1", lat: 52.5219, lon: 13.4132),
            sender: nil, items: [], cardMessage: nil, handling: OrderHandling(noDoorstep: noDoorstep),
            window: DeliveryWindow(start: "2026-05-10T10:00:00+02:00", end: "2026-05-10T12:00:00+02:00"),
            surprise: false, notes: nil, createdAt: "", updatedAt: "")
    }

    static func input(lat: Double, lon: Double) -> ProofInput {
        ProofInput(photoIds: ["m1"], lat: lat, lon: lon, accuracy: 10, handedTo: HandOver(kind: .recipient))
    }

    @Test func onTimeAtTheDoorHasNoFlags() throws {
        let now = try #require(Timestamp.parse("2026-05-10T11:30:00+02:00"))
        let photo = ProofMedia(
            id: "m1", sha256: "x", contentType: "image/jpeg", size: 1,
            photo: PhotoMetadata(capturedAt: "2026-05-10T11:28:00", lat: 52.52195, lon: 13.41325))
        let c = ProofCheck.run(order: Self.order(), input: Self.input(lat: 52.5220, lon: 13.4133), photos: [photo], at: now)
        #expect(c.flags == [] && !c.late && c.lateMinutes == 0 && !c.farFromAddress)
        #expect((c.distanceMeters ?? 99) < 20)
        // No offset in EXIF: read in the window's offset (+02:00), so taken 2 minutes before.
        #expect(c.photos.first?.minutesBeforeProof == 2)
    }

    @Test func lateFarAndAStalePhotoAreFlagged() throws {
        let now = try #require(Timestamp.parse("2026-05-10T12:41:10+02:00"))
        let photo = ProofMedia(
            id: "m1", sha256: "x", contentType: "image/jpeg", size: 1,
            photo: PhotoMetadata(capturedAt: "2026-05-09T18:00:00+02:00", lat: 52.50, lon: 13.40))
        // ~300 m north of the address.
        let c = ProofCheck.run(order: Self.order(), input: Self.input(lat: 52.5246, lon: 13.4132), photos: [photo], at: now)
        #expect(c.late && c.lateMinutes == 42)
        #expect(c.farFromAddress && (290...310).contains(c.distanceMeters ?? 0))
        #expect(c.flags == ["farFromAddress", "late", "photo:takenLongBefore", "photo:farFromAddress"])
        let bare = ProofMedia(id: "m2", sha256: "y", contentType: "image/png", size: 1)
        #expect(
            ProofCheck.run(order: Self.order(), input: Self.input(lat: 52.5219, lon: 13.4132), photos: [bare], at: now)
                .photos.first?.flags == ["noMetadata"])
    }
}

@Suite struct MediaStoreTests {
    static func root() -> String {
        Scratch.directory.appendingPathComponent("posy-media-\(UUID().uuidString)").path
    }

    @Test func sameBytesAreStoredOnceAndNothingHalfWrittenIsVisible() async throws {
        let root = Self.root()
        let store = try MediaStore(root: root, logger: Logger(label: "test"))
        let jpeg = try MediaSnifferTests.fixture("photo.jpg")
        var shas: [String] = []
        for _ in 0..<2 {
            let id = try await store.begin(orderId: "o1", uploader: "courier:k1", accepted: [.jpeg], limit: 1 << 20)
            // Nothing in the blob store while the upload is open.
            #expect(try FileManager.default.subpathsOfDirectory(atPath: root + "/blobs").isEmpty || shas.count == 1)
            _ = try await store.append(id, offset: 0, bytes: jpeg.prefix(100))
            _ = try await store.append(id, offset: 100, bytes: jpeg.dropFirst(100))
            let stored = try await store.commit(id, uploader: "courier:k1")
            #expect(stored.size == Int64(jpeg.count) && stored.format == .jpeg && stored.photo?.lat != nil)
            shas.append(stored.sha256)
        }
        #expect(shas[0] == shas[1])
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: root + "/blobs").filter { !$0.hasSuffix("/") && $0.count > 3 }
        #expect(blobs == ["\(shas[0].prefix(2))/\(shas[0])"])
        #expect(try await store.read(shas[0], offset: 2, length: 4) == jpeg.subdata(in: 2..<6))
        #expect(try await store.read(shas[0], offset: Int64(jpeg.count) - 2, length: 100).count == 2)
        // An upload cut off by a crash leaves a temporary file; the next start removes it.
        let open = try await store.begin(orderId: "o1", uploader: "courier:k1", accepted: [.jpeg], limit: 1 << 20)
        _ = try await store.append(open, offset: 0, bytes: jpeg.prefix(200))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").count == 1)
        _ = try MediaStore(root: root, logger: Logger(label: "test"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
    }

    @Test func wrongBytesAndOversizeFailAtOnce() async throws {
        let store = try MediaStore(root: Self.root(), logger: Logger(label: "test"))
        let png = try MediaSnifferTests.fixture("photo.png")
        let a = try await store.begin(orderId: "o1", uploader: "u", accepted: [.jpeg], limit: 1 << 20)
        await #expect(throws: PosyError.self) { try await store.append(a, offset: 0, bytes: png) }
        #expect(await store.activeUploads == 0)
        let b = try await store.begin(orderId: "o1", uploader: "u", accepted: [.png], limit: 150)
        _ = try await store.append(b, offset: 0, bytes: png)
        do {
            _ = try await store.append(b, offset: Int64(png.count), bytes: png)
            Issue.record("over the limit was accepted")
        } catch let e as PosyError {
            #expect(e.code == .tooLarge)
        }
        let c = try await store.begin(orderId: "o1", uploader: "u", accepted: [.png], limit: 1 << 20)
        await #expect(throws: PosyError.self) { try await store.append(c, offset: 5, bytes: png) }  // out of order
        let d = try await store.begin(orderId: "o1", uploader: "u", accepted: [.png], limit: 1 << 20)
        _ = try await store.append(d, offset: 0, bytes: png)
        await #expect(throws: PosyError.self) { try await store.commit(d, uploader: "someone else") }
    }
}

@Suite struct MultipartAndRangeTests {
    @Test func theFilePartStreamsOutWhateverTheChunking() throws {
        let boundary = "----posyBoundary7MA4YWxk"
        let file = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }) + Data("\r\n--not-the-boundary".utf8)
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        body += file + Data("\r\n--\(boundary)--\r\n".utf8)
        #expect(MultipartReader.boundary(of: "multipart/form-data; boundary=\"\(boundary)\"") == boundary)
        #expect(MultipartReader.boundary(of: "image/jpeg") == nil)
        for size in [1, 2, 7, 64, 1000, body.count] {
            var reader = MultipartReader(boundary: boundary)
            var type: String?
            var out = Data()
            var ended = false
            var i = 0
            while i < body.count {
                for e in try reader.feed(body[i..<min(i + size, body.count)]) {
                    switch e {
                    case .part(let t): type = t
                    case .bytes(let d): out += d
                    case .end: ended = true
                    }
                }
                i += size
            }
            #expect(type == "image/jpeg" && ended && out == file, "chunk size \(size)")
        }
        var noFile = MultipartReader(boundary: "b")
        #expect(throws: MultipartReader.Failure.self) {
            _ = try noFile.feed(Data("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n".utf8))
        }
    }

    @Test func rangesOfOneThousandBytes() {
        #expect(ByteRange.parse("bytes=0-99", size: 1000) == .range(0..<100))
        #expect(ByteRange.parse("bytes=900-", size: 1000) == .range(900..<1000))
        #expect(ByteRange.parse("bytes=-10", size: 1000) == .range(990..<1000))
        #expect(ByteRange.parse("bytes=500-5000", size: 1000) == .range(500..<1000))
        #expect(ByteRange.parse("bytes=1000-", size: 1000) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=0-1,5-6", size: 1000) == .whole)
        #expect(ByteRange.parse("items=0-1", size: 1000) == .whole)
        #expect(ByteRange.parse("bytes=9-3", size: 1000) == .whole)
    }
}

/// Who may hand an order over, when, and where (the rules of `proof.submit`, checked where they live).
@Suite struct ProofAdmissionTests {
    static let courier = Viewer.user(sub: "k1", role: .courier, shop: "s1", order: nil)

    static func order(_ state: OrderState, noDoorstep: Bool = true, dropOff: DropOffInstruction? = nil) -> Order {
        var o = ProofCheckTests.order(noDoorstep: noDoorstep)
        o.state = state
        o.courierId = "k1"
        o.dropOff = dropOff
        return o
    }

    static func input(_ kind: HandOver.Kind) -> ProofInput {
        ProofInput(
            photoIds: ["m1"], lat: 52.5219, lon: 13.4132, accuracy: 10,
            handedTo: HandOver(
                kind: kind, name: kind == .neighbour ? "Frau Keller" : nil, description: kind == .safePlace ? "behind the gate" : nil))
    }

    static func code(_ body: () throws -> Void) -> ErrorCode? {
        do { try body() } catch let e as PosyError { return e.code } catch { return .internal }
        return nil
    }

    @Test func onlyWhileOutForDeliveryOrArriving() {
        for state in OrderState.allCases {
            let code = Self.code { try ReceiptsService.admit(Self.input(.recipient), for: Self.order(state), by: Self.courier) }
            #expect(code == ([.outForDelivery, .arriving].contains(state) ? nil : .invalidTransition), "\(state)")
        }
        // Still picked up at the shop: no proof yet.
        #expect(
            Self.code { try ReceiptsService.admit(Self.input(.recipient), for: Self.order(.pickedUp), by: Self.courier) }
                == .invalidTransition)
    }

    @Test func onlyTheAssignedCourier() {
        let other = Viewer.user(sub: "k2", role: .courier, shop: "s1", order: nil)
        let staff = Viewer.user(sub: "st1", role: .staff, shop: "s1", order: nil)
        for viewer in [other, staff, .service("receipts")] {
            #expect(Self.code { try ReceiptsService.admit(Self.input(.recipient), for: Self.order(.arriving), by: viewer) } == .forbidden)
        }
    }

    /// No doorstep: a safe place only when the order's drop-off is a safe place the shop allowed —
    /// not one the customer merely asked for, and not another kind of drop-off the shop allowed.
    @Test func noDoorstepNeedsTheShopsSafePlace() {
        let asked = DropOffInstruction(kind: .safePlace, description: "porch", allowedByShop: false)
        let unset = DropOffInstruction(kind: .safePlace, description: "porch")
        let neighbour = DropOffInstruction(kind: .handToNeighbour, description: "No. 5", allowedByShop: true)
        let approved = DropOffInstruction(kind: .safePlace, description: "porch", allowedByShop: true)
        for dropOff in [nil, asked, unset, neighbour] {
            #expect(
                Self.code {
                    try ReceiptsService.admit(Self.input(.safePlace), for: Self.order(.arriving, dropOff: dropOff), by: Self.courier)
                }
                    == .conflict, "\(String(describing: dropOff))")
        }
        #expect(
            Self.code { try ReceiptsService.admit(Self.input(.safePlace), for: Self.order(.arriving, dropOff: approved), by: Self.courier) }
                == nil)
        // Hand-overs to a person are always fine; a doorstep is fine when the order allows it.
        #expect(Self.code { try ReceiptsService.admit(Self.input(.neighbour), for: Self.order(.arriving), by: Self.courier) } == nil)
        #expect(
            Self.code { try ReceiptsService.admit(Self.input(.safePlace), for: Self.order(.arriving, noDoorstep: false), by: Self.courier) }
                == nil)
    }
}
