import Foundation
import Logging
import PosyCore
import PosySchema
import PosyStore

extension OrdersService {
    /// What posy-orders does with posy-receipts' durable events, inside the transaction that
    /// advances its cursor (exactly once): an accepted proof makes the order `delivered`, a
    /// confirmation (the customer's or the deadline's) makes it `completed`. An order that moved on
    /// meanwhile (failed, returned) keeps its state; the event is logged, not applied.
    public func registerReceiptsHandlers(on host: ServiceHost) {
        let logger = host.logger
        host.on(ReceiptsEvents.proofAccepted) { db, envelope, proof in
            try self.apply(db, proof.orderId, to: .delivered, event: envelope, logger: logger)
        }
        host.on(ReceiptsEvents.deliveryConfirmed) { db, envelope, c in
            try self.apply(db, c.orderId, to: .completed, event: envelope, logger: logger)
        }
    }

    /// Refusals of the state machine (checked before anything is written) are logged; any other
    /// failure is thrown, so the subscriber rolls the event back and keeps it in `dead_events`.
    func apply(_ db: SQLiteConnection, _ orderId: String, to target: OrderState, event: Envelope, logger: Logger) throws {
        do {
            _ = try transition(db, orderId, to: target, by: .service(event.src))
        } catch let e as PosyError {
            logger.warning(
                "receipts event not applied",
                metadata: [
                    "type": "\(event.type)", "order": "\(orderId)", "code": "\(e.code.rawValue)", "error": "\(e.message)",
                ])
        }
    }
}
