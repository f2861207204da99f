import Foundation
import Logging
import PosyAccess
import PosyCore
import PosyOrdersPolicy
import PosyReceiptsPolicy
import PosySchema
import PosyStore
import Synchronization

/// The receipts domain over `receipts.db` and `media/`: media uploads, proof of delivery,
/// the customer's confirmation or dispute, and each order's evidence chain. Orders are owned by
/// `posy-orders`: receipts asks it over RPC who may see an order, and tells it what happened through
/// durable events (`proof.accepted` → delivered, `delivery.confirmed` → completed).
public final class ReceiptsService: Sendable {
    /// Calls another service: `(instance, method, body) → reply body`.
    public typealias PeerCall = @Sendable (String, String, Data) async throws -> Data

    let store: Store
    let events: EventLog
    public let media: MediaStore
    let config: ReceiptsConfig
    let peer: PeerCall
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Seals each evidence chain's head (from the suite's secret).
    let seal: EvidenceSeal
    /// Blobs retention removes wait for it while a backup may still copy them.
    let backup = Mutex<BackupAgent?>(nil)

    public init(
        store: Store, events: EventLog, media: MediaStore, config: ReceiptsConfig, seal: EvidenceSeal, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, peer: @escaping PeerCall
    ) {
        self.seal = seal
        self.store = store
        self.events = events
        self.media = media
        self.config = config
        self.peer = peer
        self.logger = logger
        self.clock = clock
    }

    var now: String { Timestamp.format(clock()) }

    /// Seals the heads of chains written before heads were kept (once per store); call at start.
    public func sealMissingHeads() async throws {
        let sealed = try await store.write { db in try EvidenceChain.sealMissingHeads(db, seal: self.seal) }
        if sealed > 0 { logger.notice("sealed the heads of existing evidence chains", metadata: ["chains": "\(sealed)"]) }
    }

    /// An order's chain held against its sealed head.
    func verifyChain(_ db: SQLiteConnection, orderId: String) throws -> ([EvidenceRecord], ChainVerification) {
        let (records, verdict, _) = try openChain(db, orderId: orderId)
        return (records, verdict)
    }

    /// ``verifyChain(_:orderId:)`` and the personal values its records commit to.
    func openChain(_ db: SQLiteConnection, orderId: String) throws -> ([EvidenceRecord], ChainVerification, EvidencePersonal) {
        let personal = try EvidencePersonal.load(db, orderId: orderId)
        let records = try EvidenceChain.records(db, orderId: orderId)
        let head = try EvidenceChain.head(db, orderId: orderId)
        if records.isEmpty, head == nil, try db.queryOne("SELECT 1 FROM proofs WHERE order_id = ?", orderId) != nil {
            // Chain and head both gone: the accepted proof still says there was one.
            return (
                records,
                ChainVerification(
                    orderId: orderId, ok: false, records: 0, head: nil,
                    firstMismatch: .init(n: 1, kind: "missing", reason: "the order has an accepted proof but no evidence records"),
                    sealChecked: true),
                personal
            )
        }
        return (records, EvidenceChain.verify(orderId: orderId, records, head: head, seal: seal, personal: personal), personal)
    }

    /// Who receipts calls other services as when no person is passed on: itself.
    static let me = Viewer.service(ServiceName.receipts)

    /// Calls another service's `method` through `peer` (injected, so tests can stand in for it) for
    /// `viewer`; returns the reply's JSON. `instance` defaults to the method's service.
    func callData<Request: Encodable & Sendable, Reply: Sendable>(
        _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer, on instance: String? = nil
    ) async throws -> Data {
        try await peer(instance ?? method.service, method.name, viewer.request(JSON.encode(request)))
    }

    /// The whole order (receipts' own view as a service), when `viewer` may see it at all; `not_found` otherwise.
    func visibleOrder(_ id: String, for viewer: Viewer) async throws -> Order {
        let data = try await callData(OrdersRPC.get, OrdersRPC.OrderQuery(id: id), as: Self.me)
        let order = try RPCClient.decode(OrdersRPC.get, data)
        guard OrderVisibility.view(order, for: viewer, now: clock()) != nil else {
            throw PosyError(.notFound, "no order \(id)")
        }
        return order
    }
}
