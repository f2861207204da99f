import Foundation
import PosyCore
import PosySchema
import Synchronization

/// Gathers couriers' live fixes from their streams for ``linger`` and sends them to posy-location
/// in one `location.ingestBatch`: at a city's peak every courier sends a fix every few seconds, and
/// each alone paid a whole call — a request and a reply through both processes' sockets, CURVE and
/// threads, and a write of its own (docs/architecture.md, "Location"). Each stream still gets the
/// answer `location.ingest` would have given it, or its error.
final class FixBatcher: Sendable {
    /// How long a batch's first fix waits for others. Far below what a position may take to reach
    /// its watchers (500 ms at the peak), and at the peak's 500 fixes a second per gateway it
    /// gathers about five per call.
    static let linger: Duration = .milliseconds(10)
    /// A batch leaves at once when it names this many couriers or holds this many fixes.
    static let maxCouriers = 250
    static let maxFixes = 2_000
    /// A frame with more fixes than this (a phone catching up after a tunnel) goes on its own.
    static let maxGathered = 100

    typealias Send = @Sendable (LocationRPC.IngestBatchRequest) async throws -> LocationRPC.IngestBatchReply

    private struct Batch {
        var items: [LocationRPC.IngestBatchRequest.Item] = []
        var waiting: [CheckedContinuation<Data, any Error>] = []
        var fixes = 0
    }

    private struct State {
        /// Counts batches opened, so that a batch's timer sends that batch and no later one.
        var generation = 0
        var open: Batch?
    }

    private let state = Mutex(State())
    private let send: Send
    private let linger: Duration
    private let metrics: Metrics

    init(linger: Duration = FixBatcher.linger, metrics: Metrics, send: @escaping Send) {
        self.linger = linger
        self.metrics = metrics
        self.send = send
    }

    /// Adds a courier's fixes to the open batch (opening one, whose timer starts now) and waits for
    /// the courier's own outcome: `location.ingest`'s reply as JSON, or its error.
    func ingest(courier: String, shop: String?, positions: [PositionFix]) async throws -> Data {
        try await withCheckedThrowingContinuation { c in
            let (full, opened) = state.withLock { s -> (Batch?, Int?) in
                let fresh = s.open == nil
                if fresh { s.generation += 1 }
                var batch = s.open ?? Batch()
                batch.items.append(.init(courier: courier, shop: shop, positions: positions))
                batch.waiting.append(c)
                batch.fixes += positions.count
                if batch.items.count >= Self.maxCouriers || batch.fixes >= Self.maxFixes {
                    s.open = nil
                    return (batch, nil)
                }
                s.open = batch
                return (nil, fresh ? s.generation : nil)
            }
            if let full {
                Task { await self.flush(full) }
            } else if let opened {
                Task {
                    try? await Task.sleep(for: self.linger)
                    if let batch = self.take(opened) { await self.flush(batch) }
                }
            }
        }
    }

    /// The open batch if it is still the one opened as `generation`.
    private func take(_ generation: Int) -> Batch? {
        state.withLock { s in
            guard s.generation == generation, let batch = s.open else { return nil }
            s.open = nil
            return batch
        }
    }

    private func flush(_ batch: Batch) async {
        metrics.increment("fix_batches")
        metrics.increment("fix_batch_couriers", by: Int64(batch.items.count))
        let outcomes: [Result<Data, any Error>]
        do {
            let reply = try await send(LocationRPC.IngestBatchRequest(items: batch.items))
            guard reply.results.count == batch.items.count else {
                throw PosyError(.internal, "posy-location answered for \(reply.results.count) of \(batch.items.count) couriers")
            }
            outcomes = reply.results.map { outcome in
                if let error = outcome.error { return .failure(error) }
                guard let answer = outcome.reply else {
                    return .failure(PosyError(.internal, "posy-location answered a courier with neither a reply nor an error"))
                }
                return Result { try JSON.encode(answer) }
            }
        } catch {
            outcomes = Array(repeating: .failure(error), count: batch.waiting.count)
        }
        for (c, outcome) in zip(batch.waiting, outcomes) { c.resume(with: outcome) }
    }
}
