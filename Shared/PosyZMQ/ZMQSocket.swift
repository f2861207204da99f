import CMalloc
import CZeroMQ
import Foundation
import Synchronization

/// A libzmq socket owned by one dedicated thread.
///
/// libzmq sockets are not thread-safe, so only the owning thread ever touches a socket that
/// receives: it runs a `zmq_poll` loop over the socket and an inproc PAIR mailbox. Other threads
/// enqueue commands and wake the loop through the mailbox (endpoints are fixed at ``open``,
/// subscriptions may change later: ``subscribe(_:)``); received messages are delivered to
/// ``inbox`` as whole multipart messages. A socket that only sends (PUB) is sent on from its
/// caller's thread instead, under the mailbox's lock (libzmq allows a socket to change threads
/// behind a full memory barrier): a publish wakes no thread of its own (docs/architecture.md,
/// "Threads"). So is one that receives when ``ZMQSocketOptions/callersSend`` says so (an RPC
/// client's DEALER, a server's ROUTER), its thread reading it under the same lock. All sends are
/// non-blocking (`ZMQ_DONTWAIT`): a full or unconnected peer surfaces as ``ZMQError/isWouldBlock``
/// instead of stalling the loop.
public final class ZMQSocket: Sendable {
    public typealias Message = [Data]

    enum Command: Sendable {
        case send([Message], CheckedContinuation<Void, any Error>?)
        /// A send whose outcome is told on the socket's thread, without waking a task.
        case sendThen(Message, @Sendable (ZMQError?) -> Void)
        case close(CheckedContinuation<Void, Never>?)
        /// The consumer drained the inbox: resume reading.
        case wake
        /// A task's job, run on the socket's thread (the socket as a `TaskExecutor`).
        case run(UnownedJob)
        /// Subscribes to a prefix (true) or cancels it (false): SUB and XSUB only.
        case subscribe(String, Bool)
    }

    /// Only touched under the mutex; the raw signal socket is used by one thread at a time.
    struct Mailbox: @unchecked Sendable {
        var commands: [Command] = []
        var closed = false
        var signal: UnsafeMutableRawPointer?  // sending end of the inproc PAIR, only used under the lock
        /// The libzmq socket itself where callers send on it (a socket that only sends, or one whose
        /// callers send: ``ZMQSocketOptions/callersSend``), only used under the lock; nil once the
        /// loop closes it.
        var direct: UnsafeMutableRawPointer?
        /// Rewrites what callers send together before it goes out (``setPacker(_:)``).
        var packer: (@Sendable ([Message]) -> [Message])?
    }

    public let type: ZMQSocketType
    /// Messages received by this socket (not used for PUB).
    public let inbox: ZMQInbox
    /// Endpoints actually bound (wildcard ports resolved), in the order given.
    public let boundEndpoints: [String]

    private let mailbox: Mutex<Mailbox>
    /// The socket's own thread (the loop creates the socket there): what it queues for itself needs no signal.
    private let owner: pthread_t
    /// Sends run on the caller's thread (``Mailbox/direct``).
    private let sendsDirectly: Bool
    /// The socket's thread reads it too (``ZMQSocketOptions/callersSend``).
    private let shared: Bool
    private let sendErrors = Atomic<Int>(0)
    private let overflows = Atomic<Int>(0)

    /// Opens a socket on a new thread, applies `options`, binds and connects. Throws the first libzmq error.
    public static func open(
        _ type: ZMQSocketType, bind: [String] = [], connect: [String] = [],
        options: ZMQSocketOptions = ZMQSocketOptions(), context: ZMQContext = .shared,
        name: String = "zmq"
    ) async throws -> ZMQSocket {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<ZMQSocket, any Error>) in
            let thread = Thread {
                posy_name_thread("posy.\(name)")
                ZMQSocketLoop.run(
                    type: type, bind: bind, connect: connect, options: options, context: context, ready: c)
            }
            thread.start()
        }
    }

    init(
        type: ZMQSocketType, bound: [String], signal: UnsafeMutableRawPointer, direct: UnsafeMutableRawPointer?,
        shared: Bool = false, capacity: Int, wake: @escaping @Sendable () -> Void
    ) {
        self.type = type
        self.boundEndpoints = bound
        self.sendsDirectly = direct != nil
        self.shared = shared
        self.mailbox = Mutex(Mailbox(signal: signal, direct: direct))
        self.owner = pthread_self()
        self.inbox = ZMQInbox(capacity: capacity, resume: wake)
    }

    /// Sends failed without a caller to tell (fire-and-forget sends), e.g. EAGAIN on a full DEALER.
    public var droppedSends: Int { sendErrors.load(ordering: .relaxed) }
    /// Messages that arrived while the inbox was full and were dropped or answered (``ZMQOverflow``).
    public var overflowed: Int { overflows.load(ordering: .relaxed) }
    func countOverflow(_ n: Int) { overflows.add(n, ordering: .relaxed) }

    func countDroppedSend() { sendErrors.add(1, ordering: .relaxed) }

    @discardableResult
    func enqueue(_ command: Command) -> Bool {
        // The loop looks for commands before it waits, so its own thread need not wake it.
        let fromOwner = pthread_equal(pthread_self(), owner) != 0
        let deferred = fromOwner ? nil : Self.deferredWakes
        return mailbox.withLock { m in
            guard !m.closed else { return false }
            let wasEmpty = m.commands.isEmpty
            m.commands.append(command)
            if case .close = command { m.closed = true }
            if wasEmpty, let deferred, !m.closed {
                deferred.add(self)
            } else if wasEmpty, !fromOwner, let s = m.signal {
                _ = zmq_send(s, nil, 0, ZMQ_DONTWAIT)
            }
            return true
        }
    }

    /// Wakes the loop if commands wait (the end of a ``deferringWakes(_:)`` scope).
    func wakeIfWaiting() {
        mailbox.withLock { m in
            if !m.commands.isEmpty, let s = m.signal { _ = zmq_send(s, nil, 0, ZMQ_DONTWAIT) }
        }
    }

    /// Whether commands wait (the loop then polls without blocking).
    var hasCommands: Bool { mailbox.withLock { !$0.commands.isEmpty } }

    func takeCommands() -> [Command] {
        mailbox.withLock { m in
            let out = m.commands
            m.commands.removeAll(keepingCapacity: true)
            return out
        }
    }

    /// Sends `batch` on the caller's thread (a socket its callers send on); the error of the first
    /// message libzmq refused, if any.
    func sendNow(_ batch: [Message]) -> ZMQError? {
        let elsewhere = shared && pthread_equal(pthread_self(), owner) == 0
        return mailbox.withLock { m in
            guard !m.closed, let sock = m.direct else { return ZMQError.closed("zmq_send") }
            let batch = batch.count > 1 ? m.packer.map { $0(batch) } ?? batch : batch
            var failure: ZMQError?
            for message in batch {
                failure = ZMQSocketLoop.sendMessage(message, on: sock)
                if failure != nil { break }
            }
            // libzmq takes in its other threads' news on a send too — a reply's arrival among them —
            // and with it the signal the socket's thread waits for on the descriptor: that thread is
            // then woken here instead (its own sends are looked after at the end of its turn).
            if elsewhere, ZMQSocketLoop.readable(sock), let s = m.signal { _ = zmq_send(s, nil, 0, ZMQ_DONTWAIT) }
            return failure
        }
    }

    /// Runs `body` under the socket's lock: the socket's thread's own calls on a socket its callers
    /// send on too (``ZMQSocketOptions/callersSend``).
    func holdingSocket<T>(_ body: () -> T) -> T {
        mailbox.withLock { _ in body() }
    }

    /// On a socket its callers send on: `packer` rewrites every group of messages sent together
    /// (what a ``deferringWakes(_:)`` scope posted, or one ``post(_:)`` of several) before libzmq
    /// takes them — the bus publisher packs a commit group's events into batches with it. It runs
    /// under the socket's lock and must keep the messages' order.
    public func setPacker(_ packer: (@Sendable ([Message]) -> [Message])?) {
        mailbox.withLock { $0.packer = packer }
    }

    /// Called by the loop when it exits: no more signals or sends from callers.
    func detachSignal() -> [Command] {
        mailbox.withLock { m in
            m.closed = true
            m.signal = nil
            m.direct = nil
            let out = m.commands
            m.commands.removeAll()
            return out
        }
    }

    /// Sends one multipart message and waits until libzmq accepted it.
    public func send(_ message: Message) async throws {
        try await send(batch: [message])
    }

    /// Sends several multipart messages in order, waiting until libzmq accepted all of them.
    public func send(batch: [Message]) async throws {
        if sendsDirectly {
            if let e = sendNow(batch) { throw e }
            return
        }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            if !enqueue(.send(batch, c)) { c.resume(throwing: ZMQError.closed("zmq_send")) }
        }
    }

    /// Queues one message and tells `done` on the socket's thread (on the caller's, for a socket
    /// its callers send on) whether libzmq took it (nil) or why not. For callers that must know a send
    /// failed but should not wake a task to learn that it did not: `done` must return at once.
    public func post(_ message: Message, then done: @escaping @Sendable (ZMQError?) -> Void) {
        if sendsDirectly { return done(sendNow([message])) }
        if !enqueue(.sendThen(message, done)) { done(ZMQError.closed("zmq_send")) }
    }

    /// Queues messages without waiting (hot paths such as PUB). Failures are counted in ``droppedSends``.
    public func post(_ batch: [Message]) {
        if sendsDirectly {
            if let deferred = Self.deferredWakes {
                deferred.hold(batch, for: self)
            } else if sendNow(batch) != nil {
                countDroppedSend()
            }
            return
        }
        if !enqueue(.send(batch, nil)) { countDroppedSend() }
    }

    /// Subscribes a SUB or XSUB socket to `prefix` from now on, in order with other commands. libzmq
    /// counts a prefix subscribed twice, and the caller cancels it as often (``unsubscribe(_:)``).
    public func subscribe(_ prefix: String) { enqueue(.subscribe(prefix, true)) }

    /// Cancels one subscription to `prefix` made at ``open`` or by ``subscribe(_:)``.
    public func unsubscribe(_ prefix: String) { enqueue(.subscribe(prefix, false)) }

    /// Closes the socket (linger as configured) and ends its thread; ``inbox`` then finishes.
    public func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if !enqueue(.close(c)) { c.resume() }
        }
    }

    deinit {
        mailbox.withLock { m in
            if !m.closed, let s = m.signal {
                m.closed = true
                m.commands.append(.close(nil))
                _ = zmq_send(s, nil, 0, ZMQ_DONTWAIT)
            }
        }
    }
}
