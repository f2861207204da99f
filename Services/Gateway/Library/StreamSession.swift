import Foundation
import PosyAccess
import PosySchema

/// One `GET /v1/stream` connection: pushes, in log order per source, every durable event the viewer
/// may see, each once, as a text frame with the `id` to resume from.
///
/// Frames (JSON text):
/// - `{"type":"stream.open","id":…}` first: the position the stream starts from; a courier's also
///   says how often to send positions (`positionCadenceMs`, docs/protocol.md).
/// - `{"id":…,"type":"order.assigned","src":"orders","pos":12,"at":…,"data":{…}}` per event.
/// - `{"type":"stream.reset","id":…,"src":…,"reason":…}` when events cannot be resumed (the source's
///   store was reset, or the events were pruned): refetch state over REST, then go on from `id`.
struct StreamSession {
    let hub: StreamHub
    let viewer: Viewer
    var cursor: StreamCursor
    var send: @Sendable (String) async throws -> Void
    /// Told to a courier in `stream.open`: how often to send the positions their app keeps.
    let positionCadenceMs: Int?
    /// Whether a source could not be reached on the last pass (then the wait has a timeout, to retry).
    var unreachable = false
    /// Events read per source before the others get a turn.
    static let page = 256
    /// How soon an unreachable source is asked again.
    static let retry = Duration.seconds(1)

    /// Sends the stream's first frames: `stream.open`, and a reset for each source the client's id is
    /// ahead of. Then ``pass()`` until nothing moves, and wait (``StreamLink``).
    mutating func open() async throws {
        var ahead: [String] = []
        for feed in hub.feeds {
            guard let position = cursor[feed.src] else {
                cursor[feed.src] = await start(feed)
                continue
            }
            // An id from the future (made up, or from a store since reset to fewer events) would
            // wait forever: start from the source's head instead and say so.
            if let known = feed.position, known.epoch == position.epoch, position.pos > known.pos,
                let batch = try? await hub.fetch(feed.src, after: .init(epoch: "", pos: 0), limit: 0),
                batch.epoch == position.epoch, position.pos > batch.head
            {
                cursor[feed.src] = .init(epoch: batch.epoch, pos: batch.head)
                ahead.append(feed.src)
            }
        }
        var open = Self.control(type: StreamControlType.open, id: cursor.text)
        if let positionCadenceMs {
            open.removeLast()
            open += ",\"positionCadenceMs\":\(positionCadenceMs)}"
        }
        try await send(open)
        for src in ahead {
            try await send(
                Self.control(
                    type: StreamControlType.reset, id: cursor.text, src: src,
                    reason: "the id is ahead of \(src); refetch its state"))
        }
    }

    /// One pass over the feeds, sending what is new. Returns whether a cursor moved (then pass
    /// again before waiting); ``unreachable`` says whether a source could not be asked.
    mutating func pass() async throws -> Bool {
        var progressed = false
        unreachable = false
        for feed in hub.feeds {
            if try await pump(feed) { progressed = true }
        }
        return progressed
    }

    /// Moves the cursor past what the stream slept through that was not for it: up to the first
    /// event per source that may concern it, or to the head where none did.
    mutating func skip(_ wake: StreamWaiters.Wake) {
        guard case .skip(let first, let heads) = wake else { return }
        for (src, head) in heads {
            guard let position = cursor[src], position.epoch == head.epoch else { continue }
            let to = first[src].map { $0 - 1 } ?? head.pos
            if to > position.pos { cursor[src] = .init(epoch: head.epoch, pos: to) }
        }
    }

    /// Where a connection without a position for `feed` starts: now.
    func start(_ feed: EventFeed) async -> StreamCursor.Position? {
        if let p = feed.position { return p }
        guard let batch = try? await hub.fetch(feed.src, after: .init(epoch: "", pos: 0), limit: 0) else { return nil }
        return .init(epoch: batch.epoch, pos: batch.head)
    }

    /// Sends what is new in one source. Returns whether the cursor moved.
    mutating func pump(_ feed: EventFeed) async throws -> Bool {
        guard let position = cursor[feed.src] else {
            cursor[feed.src] = await start(feed)
            if cursor[feed.src] == nil { unreachable = true }
            return false
        }
        switch feed.read(after: position, max: Self.page) {
        case .events(let events):
            try await deliver(events, src: feed.src)
            return true
        case .upToDate, .unknown:
            return false
        case .reset(let epoch, let head):
            cursor[feed.src] = .init(epoch: epoch, pos: head)
            try await send(
                Self.control(
                    type: StreamControlType.reset, id: cursor.text, src: feed.src,
                    reason: "\(feed.src) was reset; refetch its state"))
            return true
        case .behind:
            let batch: ReplayBatch
            do {
                batch = try await hub.fetch(feed.src, after: position, limit: Self.page)
            } catch let e as PosyError where e.code == .epochMismatch {
                cursor[feed.src] = await start(feed)
                try await send(
                    Self.control(
                        type: StreamControlType.reset, id: cursor.text, src: feed.src,
                        reason: "\(feed.src) was reset; refetch its state"))
                return true
            } catch {
                unreachable = true  // try again on the next wake, or after `retry`
                return false
            }
            if let first = batch.events.first, first.pos > position.pos + 1 {
                cursor[feed.src] = .init(epoch: position.epoch, pos: first.pos - 1)
                try await send(
                    Self.control(
                        type: StreamControlType.reset, id: cursor.text, src: feed.src,
                        reason: "events of \(feed.src) after this id are no longer kept; refetch its state"))
            }
            try await deliver(batch.events.map { .init(envelope: $0, audience: feed.audience($0)) }, src: feed.src)
            return !batch.events.isEmpty
        }
    }

    mutating func deliver(_ events: [EventFeed.Event], src: String) async throws {
        guard let filter = hub.filters[src] else { return }
        for event in events {
            let e = event.envelope
            guard let p = cursor[src], e.epoch == p.epoch, e.pos > p.pos else { continue }
            cursor[src] = .init(epoch: e.epoch, pos: e.pos)
            // The audience skips, without decoding, what cannot be for this viewer.
            guard event.audience.mayConcern(viewer), let data = filter(e, viewer) else { continue }
            try await send(Self.event(e, id: cursor.text, data: data))
            hub.host.metrics.increment("stream_events_sent")
        }
    }

    static func event(_ e: Envelope, id: String, data: Data) -> String {
        "{\"id\":\(quote(id)),\"type\":\(quote(e.type)),\"src\":\(quote(e.src)),\"pos\":\(e.pos),\"at\":\(quote(e.at)),\"data\":"
            + (String(data: data, encoding: .utf8) ?? "{}") + "}"
    }

    static func control(type: String, id: String, src: String? = nil, reason: String? = nil) -> String {
        var s = "{\"type\":\(quote(type)),\"id\":\(quote(id))"
        if let src { s += ",\"src\":\(quote(src))" }
        if let reason { s += ",\"reason\":\(quote(reason))" }
        return s + "}"
    }

    static func quote(_ s: String) -> String { JSON.quoted(s) }
}
