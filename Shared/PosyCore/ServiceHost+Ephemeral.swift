import Foundation
import PosySchema

extension ServiceHost {
    /// A closure that publishes an ephemeral bus event from `src` (seq 0, no outbox; pushes and live
    /// positions): `(topic, type, data)`.
    public func ephemeralPublisher(src: String) -> @Sendable (String, String, Data) -> Void {
        let publisher = self.publisher
        return { topic, type, data in
            let e = Envelope(src: src, epoch: "", seq: 0, type: type, at: Timestamp.now(), trace: "", data: data)
            publisher.post(topic: topic, envelope: EnvelopeCodec.encode(e))
        }
    }

    /// The service's clock: the real one, or with `testStart` a test clock (kept in the store so it
    /// survives a restart) that `clock.advance` moves, said in the log.
    public func serviceClock(testStart: Date?) async throws -> ServiceClock {
        let clock = if let testStart { try await ServiceClock(testStart: testStart, store: store) } else { ServiceClock() }
        if clock.isTest { logger.notice("running on a test clock", metadata: ["now": "\(Timestamp.format(clock.now()))"]) }
        clock.register(on: rpc, store: store)
        return clock
    }
}
