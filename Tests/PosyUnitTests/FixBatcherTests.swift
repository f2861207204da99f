import Foundation
import PosyCore
import PosySchema
import Synchronization
import Testing

@testable import PosyGateway

/// The gateway gathers couriers' live fixes for posy-location (docs/architecture.md, "Location"):
/// fixes sent together leave in one call, each stream hears its own courier's outcome, and a batch
/// leaves early when full.
@Suite struct FixBatcherTests {
    /// posy-location as the batcher sees it: records each call, answers per item by `answer`.
    final class Location: Sendable {
        let calls = Mutex<[LocationRPC.IngestBatchRequest]>([])
        let answer: @Sendable (LocationRPC.IngestBatchRequest.Item) -> LocationRPC.IngestBatchReply.Outcome
        let fails: PosyError?

        init(
            fails: PosyError? = nil,
            answer: @escaping @Sendable (LocationRPC.IngestBatchRequest.Item) -> LocationRPC.IngestBatchReply.Outcome = {
                .init(reply: IngestReply(accepted: $0.positions.count, dropped: []))
            }
        ) {
            self.fails = fails
            self.answer = answer
        }

        func send(_ request: LocationRPC.IngestBatchRequest) async throws -> LocationRPC.IngestBatchReply {
            calls.withLock { $0.append(request) }
            if let fails { throw fails }
            return LocationRPC.IngestBatchReply(results: request.items.map(answer))
        }
    }

    static func fixes(_ n: Int) -> [PositionFix] {
        (0..<n).map { PositionFix(lat: 31, lon: 121, accuracy: 5, at: "2026-12-07T08:00:0\($0 % 10)Z") }
    }

    /// Sends each courier's fixes at once, as many streams would; the outcome of each, by courier.
    static func send(
        _ batcher: FixBatcher, _ couriers: [(String, Int)]
    ) async -> [String: Result<IngestReply, PosyError>] {
        await withTaskGroup(of: (String, Result<IngestReply, PosyError>).self) { group in
            for (courier, n) in couriers {
                group.addTask {
                    do {
                        let data = try await batcher.ingest(courier: courier, shop: "s1", positions: fixes(n))
                        return (courier, .success(try JSON.decode(IngestReply.self, from: data)))
                    } catch let e as PosyError {
                        return (courier, .failure(e))
                    } catch {
                        return (courier, .failure(PosyError(.internal, "\(error)")))
                    }
                }
            }
            var out: [String: Result<IngestReply, PosyError>] = [:]
            for await (courier, result) in group { out[courier] = result }
            return out
        }
    }

    @Test func fixesSentTogetherLeaveInOneCallEachHearingItsOwn() async throws {
        let location = Location { item in
            item.courier == "k2"
                ? .init(error: PosyError(.offDuty, "k2 is not on duty"))
                : .init(reply: IngestReply(accepted: item.positions.count, dropped: []))
        }
        let metrics = Metrics()
        // A long linger: every fix sent here joins the first batch.
        let batcher = FixBatcher(linger: .milliseconds(300), metrics: metrics) { try await location.send($0) }
        let outcomes = await Self.send(batcher, [("k1", 1), ("k2", 1), ("k3", 3)])
        let calls = location.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(Set(calls.first?.items.map(\.courier) ?? []) == ["k1", "k2", "k3"])
        #expect(calls.first?.items.allSatisfy { $0.shop == "s1" } == true)
        #expect(try outcomes["k1"]?.get() == IngestReply(accepted: 1, dropped: []))
        #expect(try outcomes["k3"]?.get() == IngestReply(accepted: 3, dropped: []))
        #expect(throws: PosyError.self) { try outcomes["k2"]?.get() }
        if case .failure(let e) = outcomes["k2"] { #expect(e.code == .offDuty) }
        #expect(metrics.counter("fix_batches") == 1 && metrics.counter("fix_batch_couriers") == 3)

        // Later fixes open a batch of their own.
        let again = await Self.send(batcher, [("k1", 1)])
        #expect(try again["k1"]?.get() == IngestReply(accepted: 1, dropped: []))
        #expect(location.calls.withLock { $0.count } == 2)
    }

    @Test func aFullBatchLeavesWithoutWaiting() async throws {
        let location = Location()
        // A linger the test would notice: a full batch must not wait for it.
        let batcher = FixBatcher(linger: .seconds(60), metrics: Metrics()) { try await location.send($0) }
        let couriers = (0..<FixBatcher.maxCouriers).map { ("k\($0)", 1) }
        let outcomes = await Self.send(batcher, couriers)
        #expect(outcomes.count == FixBatcher.maxCouriers)
        #expect(outcomes.values.allSatisfy { (try? $0.get()) == IngestReply(accepted: 1, dropped: []) })
        #expect(location.calls.withLock { $0.map(\.items.count) } == [FixBatcher.maxCouriers])
        // So does one whose fixes reach the limit.
        let many = await Self.send(batcher, (0..<(FixBatcher.maxFixes / FixBatcher.maxGathered)).map { ("m\($0)", FixBatcher.maxGathered) })
        #expect(many.values.allSatisfy { (try? $0.get())?.accepted == FixBatcher.maxGathered })
        #expect(location.calls.withLock { $0.count } == 2)
    }

    @Test func aFailedCallOrAShortAnswerFailsEveryCourierInIt() async throws {
        let down = Location(fails: PosyError(.unavailable, "posy-location is not reachable"))
        let batcher = FixBatcher(linger: .milliseconds(50), metrics: Metrics()) { try await down.send($0) }
        let outcomes = await Self.send(batcher, [("k1", 1), ("k2", 2)])
        for courier in ["k1", "k2"] {
            guard case .failure(let e) = outcomes[courier] else {
                Issue.record("\(courier): \(String(describing: outcomes[courier]))")
                continue
            }
            #expect(e.code == .unavailable)
        }
        // An answer that does not name every courier is no answer for any of them.
        let short = FixBatcher(linger: .milliseconds(50), metrics: Metrics()) { _ in
            LocationRPC.IngestBatchReply(results: [.init(reply: IngestReply(accepted: 1, dropped: []))])
        }
        let shortOutcomes = await Self.send(short, [("k1", 1), ("k2", 1)])
        #expect(shortOutcomes.values.allSatisfy { if case .failure(let e) = $0 { e.code == .internal } else { false } })
    }
}
