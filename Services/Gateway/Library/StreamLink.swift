import Foundation
import NIOCore
import NIOWebSocket
import PosyAccess
import PosyAuth
import PosyCore
import Synchronization

/// One live stream once upgraded: what it has sent (its ``StreamSession``), where it waits, and the
/// hooks that reach it — pushes (``PushRouter``), its token's expiry (``StreamDeadlines``), its
/// session's end (``AccessGuard``). It is not a task: a stream with nothing to send is an entry in
/// ``StreamWaiters`` and a few registrations; a task runs only while it has events to send or a
/// client frame to answer (docs/architecture.md, "Idle costs nothing").
final class StreamLink: Sendable {
    /// Client frames waiting for their answer before the connection stops reading more.
    static let maxWaitingFrames = 16

    let channel: any Channel
    let api: APIContext
    let hub: StreamHub
    let claims: TokenClaims
    /// Its place among the gateway's streams, given back when it ends.
    private let slot: StreamSlot
    private let keys: [String]
    private let state: Mutex<State>
    /// Frames written and not yet flushed to the socket, and their bytes.
    private let queued = Atomic<Int>(0)
    private let queuedBytes = Atomic<Int>(0)
    /// A close frame went out: the next close frame from the client ends the connection.
    private let closing = Atomic<Bool>(false)

    private struct State {
        /// Nil while a task is sending with it.
        var session: StreamSession?
        var started = false
        /// Where it waits, to leave when the connection ends.
        var parked: UInt64 = 0
        var ended = false
        var inbound: [String] = []
        var answering = false
        var pausedReading = false
        var push: (id: Int, topics: [String])?
        var deadline: StreamDeadlines.Handle?
        var watch: (sid: String, id: Int)?
    }

    init(channel: any Channel, api: APIContext, hub: StreamHub, claims: TokenClaims, cursor: StreamCursor, slot: StreamSlot) {
        self.channel = channel
        self.slot = slot
        self.api = api
        self.hub = hub
        self.claims = claims
        let viewer = Viewer(claims)
        self.keys = StreamWaiters.keys(of: viewer)
        let session = StreamSession(
            hub: hub, viewer: viewer, cursor: cursor, send: { _ in },
            positionCadenceMs: claims.role == .courier ? api.config.positionCadenceMs : nil)
        self.state = Mutex(State(session: session))
    }

    var isClosing: Bool { closing.load(ordering: .relaxed) }

    /// The connection is open: listens for pushes, the token's expiry and the session's end, and
    /// sends the first frames.
    func start() {
        let push = hub.listen(claims) { [weak self] frame in self?.write(frame) }
        let deadline = hub.deadlines.add(at: Int(clamping: claims.exp)) { [weak self] in
            self?.close(code: StreamAPI.tokenExpiredCode, reason: "token expired")
        }
        let watch = claims.sid.map { sid in
            (sid: sid, id: api.access.watch(sid) { [weak self] in self?.close(code: StreamAPI.accessEndedCode, reason: "session ended") })
        }
        state.withLock { s in
            s.session?.send = { [weak self] text in
                guard let self else { throw ChannelError.ioOnClosedChannel }
                try await self.send(text)
            }
            s.push = push
            s.deadline = deadline
            s.watch = watch
        }
        hub.host.metrics.increment("stream_connections")
        Task { await self.drive(nil) }
    }

    /// The connection ended: leaves everything it was registered with. Once.
    func finish() {
        let s = state.withLock { s -> State? in
            guard !s.ended else { return nil }
            s.ended = true
            s.inbound = []
            return s
        }
        guard let s else { return }
        if s.parked != 0 { hub.waiters.cancel(s.parked) }
        if let push = s.push { hub.unlisten(push) }
        if let deadline = s.deadline { hub.deadlines.remove(deadline) }
        if let watch = s.watch { api.access.cancel(watch.sid, watch.id) }
        slot.release()
    }

    /// Sends what is new, then waits where events for this viewer wake it. Runs in a task that ends
    /// when the stream waits; the next wake starts another.
    func drive(_ wake: StreamWaiters.Wake?) async {
        guard let taken = take() else { return }
        var session = taken.session
        if let wake { session.skip(wake) }
        do {
            if !taken.started {
                // A push sent before the bus has the stream's subscription would be lost: wait for it to be there.
                await hub.subscribed(PushRouter.topics(claims))
                // A client gone while the subscriptions came has nothing to be written: no failure.
                guard channel.isActive else { return }
                try await session.open()
                state.withLock { $0.started = true }
            }
            while true {
                let seen = hub.waiters.generation
                if try await session.pass() { continue }
                let timeout = session.unreachable ? StreamSession.retry : nil
                state.withLock { $0.session = session }
                let parked = hub.waiters.park(keys, after: seen, timeout: timeout) { [weak self] wake in
                    guard let self else { return }
                    Task { await self.drive(wake) }
                }
                guard let parked else {
                    // The feeds moved meanwhile: read again.
                    guard let again = take() else { return }
                    session = again.session
                    continue
                }
                let ended = state.withLock { s -> Bool in
                    s.parked = max(s.parked, parked)
                    return s.ended
                }
                if ended { hub.waiters.cancel(parked) }
                return
            }
        } catch {
            // A write failed: the client is gone.
            hub.host.metrics.increment("streams_write_failed")
            channel.close(promise: nil)
        }
    }

    private func take() -> (session: StreamSession, started: Bool)? {
        state.withLock { s in
            guard !s.ended, let session = s.session else { return nil }
            s.session = nil
            return (session, s.started)
        }
    }

    /// One frame of the stream's own, in order; waits only while the socket is not taking more.
    func send(_ text: String) async throws {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(Self.frame(text, channel), promise: written)
        if !channel.isWritable { try await written.futureResult.get() }
    }

    /// A push or a reply, from any thread. A connection this far behind (more than
    /// ``StreamAPI/maxQueuedPushes`` frames or ``StreamAPI/maxQueuedBytes`` bytes not yet taken by
    /// the socket) is closed; it resyncs on reconnect. Returns the frame's write, done once the
    /// socket took it, or nil when the frame was not written.
    @discardableResult
    func write(_ text: String) -> EventLoopFuture<Void>? {
        let bytes = text.utf8.count
        let frames = queued.wrappingAdd(1, ordering: .relaxed).newValue
        let held = queuedBytes.wrappingAdd(bytes, ordering: .relaxed).newValue
        guard frames <= StreamAPI.maxQueuedPushes, held <= StreamAPI.maxQueuedBytes else {
            queued.subtract(1, ordering: .relaxed)
            queuedBytes.subtract(bytes, ordering: .relaxed)
            // Counted once per stream: pushes from other threads may still come while it closes.
            if !closing.exchange(true, ordering: .relaxed) { hub.host.metrics.increment("streams_closed_behind") }
            channel.close(promise: nil)
            return nil
        }
        let written = channel.writeAndFlush(Self.frame(text, channel))
        written.whenComplete { [weak self] _ in
            self?.queued.subtract(1, ordering: .relaxed)
            self?.queuedBytes.subtract(bytes, ordering: .relaxed)
        }
        return written
    }

    static func frame(_ text: String, _ channel: any Channel) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
    }

    /// Closes with an application code (4001 token expired, 4003 session ended): the close frame,
    /// then the connection when the client answers it, or after ``closeWait``.
    func close(code: Int, reason: String) {
        guard !closing.exchange(true, ordering: .relaxed) else { return }
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: code))
        data.writeString(reason)
        let channel = self.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.eventLoop.scheduleTask(in: Self.closeWait) { channel.close(promise: nil) }
        }
    }

    /// How long a close frame waits for the client's before the connection is closed anyway.
    static let closeWait = TimeAmount.seconds(5)

    /// A text frame from the client, on the event loop. Frames are answered one at a time in the
    /// order sent (``StreamFrames``). Returns whether the connection should stop reading for now.
    func received(_ text: String) -> Bool {
        let (start, pause) = state.withLock { s -> (Bool, Bool) in
            guard !s.ended else { return (false, false) }
            s.inbound.append(text)
            let start = !s.answering
            s.answering = true
            let pause = s.inbound.count >= Self.maxWaitingFrames
            if pause { s.pausedReading = true }
            return (start, pause)
        }
        if start { Task(executorPreference: EventLoopTaskExecutor(channel.eventLoop)) { await self.answer() } }
        return pause
    }

    private func answer() async {
        let chat = ChatGateway(api: api)
        while true {
            let (next, resume) = state.withLock { s -> (String?, Bool) in
                guard !s.ended, !s.inbound.isEmpty else {
                    s.answering = false
                    return (nil, false)
                }
                let next = s.inbound.removeFirst()
                let resume = s.pausedReading && s.inbound.count < Self.maxWaitingFrames / 2
                if resume { s.pausedReading = false }
                return (next, resume)
            }
            guard let next else { return }
            if resume {
                let channel = self.channel
                channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { channel.read() }
            }
            // A client not taking its replies is read no further until it does: its frames wait
            // (reading stops at ``maxWaitingFrames``) and TCP holds the rest on its side.
            if let written = write(await StreamFrames.handle(next, claims: claims, chat: chat)), !channel.isWritable {
                _ = try? await written.get()
            }
        }
    }
}
