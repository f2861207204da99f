import CZeroMQ
import Foundation

/// The body of a socket's thread: setup, the `zmq_poll` loop, and teardown. Only this code touches the socket.
enum ZMQSocketLoop {
    static let receiveBatch = 512
    /// Most messages a dropping socket reads in one turn before it serves its commands again.
    static let drainLimit = 65_536

    static func run(
        type: ZMQSocketType, bind: [String], connect: [String], options: ZMQSocketOptions,
        context: ZMQContext, ready: CheckedContinuation<ZMQSocket, any Error>
    ) {
        guard let sock = zmq_socket(context.handle, type.raw) else {
            ready.resume(throwing: ZMQError.last("zmq_socket"))
            return
        }
        let wakeAddress = "inproc://posy-mailbox-\(UUID().uuidString)"
        guard let wakeRecv = zmq_socket(context.handle, ZMQ_PAIR),
            let wakeSend = zmq_socket(context.handle, ZMQ_PAIR)
        else {
            zmq_close(sock)
            ready.resume(throwing: ZMQError.last("zmq_socket(mailbox)"))
            return
        }
        var zero: Int32 = 0
        for s in [wakeRecv, wakeSend] {
            zmq_setsockopt(s, ZMQ_LINGER, &zero, 4)
        }
        var mailboxHWM: Int32 = 0  // unlimited: a wake-up signal must never be refused
        zmq_setsockopt(wakeRecv, ZMQ_RCVHWM, &mailboxHWM, 4)
        zmq_setsockopt(wakeSend, ZMQ_SNDHWM, &mailboxHWM, 4)
        func fail(_ error: ZMQError) {
            zmq_close(sock)
            zmq_close(wakeRecv)
            zmq_close(wakeSend)
            ready.resume(throwing: error)
        }
        if zmq_bind(wakeRecv, wakeAddress) != 0 { return fail(.last("zmq_bind(\(wakeAddress))")) }
        if zmq_connect(wakeSend, wakeAddress) != 0 { return fail(.last("zmq_connect(\(wakeAddress))")) }
        if let error = apply(options, type: type, to: sock, context: context) { return fail(error) }
        var bound: [String] = []
        for endpoint in bind {
            if zmq_bind(sock, endpoint) != 0 { return fail(.last("zmq_bind(\(endpoint))")) }
            bound.append(lastEndpoint(sock) ?? endpoint)
        }
        for endpoint in connect {
            if zmq_connect(sock, endpoint) != 0 { return fail(.last("zmq_connect(\(endpoint))")) }
        }

        // The socket object holds the signal end; `wake` is how the consumer asks the loop to resume reading.
        // A socket that only sends is sent on by its callers, under the socket's lock: this thread
        // then never touches it until it closes it (not even to poll).
        let direct = !type.receives
        // A socket that receives and that its callers send on too: every libzmq call on it from
        // this thread is made under the same lock as theirs.
        let shared = type.receives && options.callersSend
        var sharedFD: Int32?
        if shared {
            var fd: Int32 = -1
            var size = MemoryLayout<Int32>.size
            guard zmq_getsockopt(sock, ZMQ_FD, &fd, &size) == 0 else { return fail(.last("zmq_getsockopt(ZMQ_FD)")) }
            sharedFD = fd
        }
        let box = WeakSocketBox()
        let socket = ZMQSocket(
            type: type, bound: bound, signal: wakeSend, direct: direct || shared ? sock : nil, shared: shared,
            capacity: options.inboxCapacity, wake: { box.socket?.enqueue(.wake) })
        box.socket = socket
        ready.resume(returning: socket)

        // A connecting CURVE socket whose handshake fails is otherwise silent: watch for it.
        let monitor = options.curve.flatMap { curve -> UnsafeMutableRawPointer? in
            guard case .client = curve else { return nil }
            return shared ? socket.holdingSocket { startMonitor(sock, context: context) } : startMonitor(sock, context: context)
        }

        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var running = true
        // The mailbox first, then the socket (unless its callers send on it), then the monitor.
        var items = [zmq_pollitem_t(socket: wakeRecv, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)]
        let socketItem = direct ? nil : items.count
        if let fd = sharedFD {
            // Polling the socket itself would touch it outside the lock: its descriptor is polled instead.
            items.append(zmq_pollitem_t(socket: nil, fd: fd, events: 0, revents: 0))
        } else if !direct {
            items.append(zmq_pollitem_t(socket: sock, fd: 0, events: 0, revents: 0))
        }
        let monitorItem = monitor == nil ? nil : items.count
        if let monitor { items.append(zmq_pollitem_t(socket: monitor, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)) }
        let inbox = socket.inbox
        var readingPaused = false
        // A socket that drops what its inbox cannot take reads all there is each turn (up to
        // ``drainLimit``), so libzmq holds nothing for it even while its consumer runs on this very
        // thread between turns (docs/architecture.md, "Threads").
        let drains = if case .drop = options.overflow { true } else { false }
        let turnEnd = ZMQSocket.TurnEnd()
        ZMQSocket.setTurnEnd(turnEnd)
        // On a shared socket: a message is there to read although its descriptor may not say so.
        var inputWaiting = false
        func send(_ message: [Data]) -> ZMQError? {
            shared ? socket.sendNow([message]) : sendMessage(message, on: sock)
        }

        while running {
            if let socketItem { items[socketItem].events = readingPaused ? 0 : Int16(ZMQ_POLLIN) }
            for i in items.indices { items[i].revents = 0 }
            // Work the thread queued for itself (a reply, a task's next job) is done before it sleeps.
            let rc = zmq_poll(&items, Int32(items.count), socket.hasCommands || inputWaiting ? 0 : -1)
            if rc < 0 {
                if zmq_errno() == posy_zmq_eintr() { continue }
                break  // ETERM: context terminated
            }
            if items[0].revents & Int16(ZMQ_POLLIN) != 0 {
                drainSignals(wakeRecv)
            }
            if let monitor, let monitorItem, items[monitorItem].revents & Int16(ZMQ_POLLIN) != 0 {
                readMonitor(monitor, context: context)
            }
            for command in socket.takeCommands() {
                switch command {
                case .send(let batch, let c):
                    var failure: ZMQError?
                    for message in batch {
                        if let e = send(message) {
                            failure = e
                            break
                        }
                    }
                    if let c {
                        if let failure { c.resume(throwing: failure) } else { c.resume() }
                    } else if failure != nil {
                        socket.countDroppedSend()
                    }
                case .sendThen(let message, let done):
                    done(send(message))
                case .close(let c):
                    if let c { closeWaiters.append(c) }
                    running = false
                case .wake:
                    readingPaused = false
                case .run(let job):
                    job.runSynchronously(on: socket.asUnownedTaskExecutor())
                case .subscribe(let prefix, let on):
                    if shared {
                        socket.holdingSocket { subscribe(sock, type: type, prefix: prefix, on: on) }
                    } else {
                        subscribe(sock, type: type, prefix: prefix, on: on)
                    }
                }
            }
            if !running { break }
            var turn = 0
            while type.receives && !readingPaused {  // non-blocking; EAGAIN at once when nothing is there
                let (batch, terminated) =
                    shared
                    ? socket.holdingSocket { receiveAvailable(sock, max: receiveBatch, peerIdentity: options.peerIdentity) }
                    : receiveAvailable(sock, max: receiveBatch, peerIdentity: options.peerIdentity)
                turn += batch.count
                if let receiver = options.receiver {
                    for message in batch {
                        if let answer = receiver(message), send(answer) != nil { socket.countDroppedSend() }
                    }
                } else if !batch.isEmpty {
                    if let peek = options.peek { for message in batch { peek(message) } }
                    switch options.overflow {
                    case .pause:
                        if !inbox.append(batch) { readingPaused = true }
                    case .drop:
                        let left = inbox.offer(batch)
                        if left > 0 { socket.countOverflow(left) }
                    case .answer(let reply):
                        let left = inbox.offer(batch)
                        if left > 0 {
                            socket.countOverflow(left)
                            for message in batch.suffix(left) {
                                if let answer = reply(message), send(answer) != nil { socket.countDroppedSend() }
                            }
                        }
                    }
                }
                if terminated {
                    running = false
                    break
                }
                if !drains || batch.count < receiveBatch || turn >= drainLimit { break }
            }
            turnEnd.run()
            // What this thread sent may have taken in a reply's signal: look before sleeping.
            if shared { inputWaiting = !readingPaused && socket.holdingSocket { readable(sock) } }
        }
        // Asked for by the last turn's tasks before the socket closed: still done, here.
        turnEnd.run()
        ZMQSocket.setTurnEnd(nil)

        // Teardown on this thread: late commands fail, the inbox finishes, sockets close with linger.
        for command in socket.detachSignal() {
            switch command {
            case .send(_, let c): c?.resume(throwing: ZMQError.closed("zmq_send"))
            case .sendThen(_, let done): done(ZMQError.closed("zmq_send"))
            case .close(let c): if let c { closeWaiters.append(c) }
            case .wake: break
            case .run(let job): ZMQSocket.runElsewhere(job)
            case .subscribe: break
            }
        }
        if let monitor {
            zmq_socket_monitor(sock, nil, 0)
            zmq_close(monitor)
        }
        zmq_close(sock)
        zmq_close(wakeSend)
        zmq_close(wakeRecv)
        inbox.finish()
        for c in closeWaiters { c.resume() }
    }

    static func apply(
        _ o: ZMQSocketOptions, type: ZMQSocketType, to sock: UnsafeMutableRawPointer, context: ZMQContext
    ) -> ZMQError? {
        func set(_ option: Int32, _ value: Int32, _ name: String) -> ZMQError? {
            var v = value
            return zmq_setsockopt(sock, option, &v, 4) == 0 ? nil : .last("zmq_setsockopt(\(name))")
        }
        var maxSize = o.maxMessageSize
        if zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxSize, 8) != 0 { return .last("zmq_setsockopt(MAXMSGSIZE)") }
        let settings: [(Int32, Int32, String)] = [
            (ZMQ_LINGER, o.linger, "LINGER"),
            (ZMQ_SNDHWM, o.sendHighWaterMark, "SNDHWM"),
            (ZMQ_RCVHWM, o.receiveHighWaterMark, "RCVHWM"),
            (ZMQ_HEARTBEAT_IVL, o.heartbeatInterval, "HEARTBEAT_IVL"),
            (ZMQ_HEARTBEAT_TIMEOUT, o.heartbeatTimeout, "HEARTBEAT_TIMEOUT"),
            (ZMQ_HEARTBEAT_TTL, o.heartbeatTTL, "HEARTBEAT_TTL"),
            (ZMQ_RECONNECT_IVL, o.reconnectInterval, "RECONNECT_IVL"),
            (ZMQ_RECONNECT_IVL_MAX, o.reconnectIntervalMax, "RECONNECT_IVL_MAX"),
            (ZMQ_TCP_KEEPALIVE, 1, "TCP_KEEPALIVE"),
            (ZMQ_TCP_KEEPALIVE_IDLE, o.keepaliveIdle, "TCP_KEEPALIVE_IDLE"),
            (ZMQ_TCP_KEEPALIVE_INTVL, o.keepaliveInterval, "TCP_KEEPALIVE_INTVL"),
            (ZMQ_TCP_KEEPALIVE_CNT, o.keepaliveCount, "TCP_KEEPALIVE_CNT"),
        ]
        for (option, value, name) in settings {
            if let e = set(option, value, name) { return e }
        }
        if o.immediate, let e = set(ZMQ_IMMEDIATE, 1, "IMMEDIATE") { return e }
        if let curve = o.curve, let e = applyCurve(curve, to: sock, context: context) { return e }
        if type == .router, o.routerMandatory, let e = set(ZMQ_ROUTER_MANDATORY, 1, "ROUTER_MANDATORY") { return e }
        for prefix in o.subscriptions { subscribe(sock, type: type, prefix: prefix, on: true) }
        return nil
    }

    /// A server only where its context has an authenticator bound, and with ZAP enforced, so a
    /// client is admitted only by name — never because nobody was asked (docs/protocol.md, "Security").
    static func applyCurve(_ curve: ZMQCurve, to sock: UnsafeMutableRawPointer, context: ZMQContext) -> ZMQError? {
        func set(_ option: Int32, _ text: String, _ name: String) -> ZMQError? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { zmq_setsockopt(sock, option, $0.baseAddress, $0.count) } == 0
                ? nil : .last("zmq_setsockopt(\(name))")
        }
        switch curve {
        case .server(let keys):
            guard context.hasAuthenticator else {
                return ZMQError(errno: EACCES, operation: "CURVE server without an authenticator on its context")
            }
            var on: Int32 = 1
            if let e = set(ZMQ_ZAP_DOMAIN, ZMQCurve.domain, "ZAP_DOMAIN") { return e }
            // ZMQ_ZAP_ENFORCE_DOMAIN (a draft option in some builds): fail closed should the handler go.
            _ = zmq_setsockopt(sock, posy_zmq_zap_enforce_domain(), &on, 4)
            if zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, 4) != 0 { return .last("zmq_setsockopt(CURVE_SERVER)") }
            return set(ZMQ_CURVE_SECRETKEY, keys.secretKey, "CURVE_SECRETKEY")
        case .client(let keys, let serverKey):
            return set(ZMQ_CURVE_SERVERKEY, serverKey, "CURVE_SERVERKEY") ?? set(ZMQ_CURVE_PUBLICKEY, keys.publicKey, "CURVE_PUBLICKEY")
                ?? set(ZMQ_CURVE_SECRETKEY, keys.secretKey, "CURVE_SECRETKEY")
        }
    }

    static func subscribe(_ sock: UnsafeMutableRawPointer, type: ZMQSocketType, prefix: String, on: Bool) {
        let bytes = Array(prefix.utf8)
        switch type {
        case .sub:
            bytes.withUnsafeBytes { b in
                _ = zmq_setsockopt(sock, on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE, b.baseAddress, b.count)
            }
        case .xsub:
            // XSUB subscribes by sending a message: 0x01 + prefix (0x00 to unsubscribe).
            let frame = [UInt8(on ? 1 : 0)] + bytes
            frame.withUnsafeBytes { b in _ = zmq_send(sock, b.baseAddress, b.count, ZMQ_DONTWAIT) }
        default:
            break
        }
    }

    /// Whether a message waits to be read on `sock` (`ZMQ_EVENTS`, which first takes in what libzmq's
    /// other threads told the socket).
    static func readable(_ sock: UnsafeMutableRawPointer) -> Bool {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return zmq_getsockopt(sock, ZMQ_EVENTS, &events, &size) == 0 && events & Int32(ZMQ_POLLIN) != 0
    }

    static func lastEndpoint(_ sock: UnsafeMutableRawPointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func drainSignals(_ wake: UnsafeMutableRawPointer) {
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        while zmq_msg_recv(&msg, wake, ZMQ_DONTWAIT) >= 0 {}
        zmq_msg_close(&msg)
    }

    /// Sends one multipart message. Returns the error, if any, of the first frame that failed.
    static func sendMessage(_ message: [Data], on sock: UnsafeMutableRawPointer) -> ZMQError? {
        if message.isEmpty { return ZMQError(errno: EINVAL, operation: "zmq_send(empty message)") }
        let last = message.count - 1
        for (i, frame) in message.enumerated() {
            let flags = ZMQ_DONTWAIT | (i < last ? ZMQ_SNDMORE : 0)
            let rc = frame.withUnsafeBytes { b in zmq_send(sock, b.baseAddress, b.count, flags) }
            if rc < 0 { return .last("zmq_send") }
        }
        return nil
    }

    /// Receives whole multipart messages without blocking, up to `max`. Each frame is read through a
    /// `zmq_msg_t`, so frames of any size arrive whole (never truncated to a buffer). With `peerIdentity`
    /// each message starts with a frame holding its connection's `User-Id` (``ZMQSocketOptions/peerIdentity``).
    static func receiveAvailable(_ sock: UnsafeMutableRawPointer, max: Int, peerIdentity: Bool = false) -> ([[Data]], Bool) {
        var out: [[Data]] = []
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        var terminated = false
        receiving: while out.count < max {
            var frames: [Data] = []
            while true {
                let flags = frames.isEmpty ? ZMQ_DONTWAIT : 0  // later frames of a message are already here
                let rc = zmq_msg_recv(&msg, sock, flags)
                if rc < 0 {
                    if zmq_errno() == posy_zmq_eterm() { terminated = true }
                    break receiving
                }
                let size = zmq_msg_size(&msg)
                // A bus message's topic and envelope in one allocation, not two.
                if frames.isEmpty, zmq_msg_more(&msg) != 0 { frames.reserveCapacity(2) }
                frames.append(size == 0 ? Data() : Data(bytes: zmq_msg_data(&msg), count: size))
                if zmq_msg_more(&msg) == 0 {
                    // Read off the last frame: a ROUTER's first one is its own routing id, without metadata.
                    if peerIdentity { frames.insert(Data(userId(of: &msg).utf8), at: 0) }
                    break
                }
            }
            out.append(frames)
        }
        return (out, terminated)
    }
}

extension ZMQSocketLoop {
    static let failedHandshakeEvents =
        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH

    /// A PAIR receiving `sock`'s failed-handshake events (`zmq_socket_monitor`); nil if libzmq refuses.
    static func startMonitor(_ sock: UnsafeMutableRawPointer, context: ZMQContext) -> UnsafeMutableRawPointer? {
        let address = "inproc://posy-monitor-\(UUID().uuidString)"
        guard zmq_socket_monitor(sock, address, failedHandshakeEvents) == 0 else { return nil }
        guard let pair = zmq_socket(context.handle, ZMQ_PAIR) else {
            zmq_socket_monitor(sock, nil, 0)
            return nil
        }
        var zero: Int32 = 0
        zmq_setsockopt(pair, ZMQ_LINGER, &zero, 4)
        guard zmq_connect(pair, address) == 0 else {
            zmq_close(pair)
            zmq_socket_monitor(sock, nil, 0)
            return nil
        }
        return pair
    }

    /// Reads the monitor's waiting events (`[event u16, value u32][endpoint]`) and reports each failure.
    static func readMonitor(_ monitor: UnsafeMutableRawPointer, context: ZMQContext) {
        while true {
            let (messages, _) = receiveAvailable(monitor, max: 64)
            if messages.isEmpty { return }
            for frames in messages where frames.count == 2 && frames[0].count >= 2 {
                let event = Int32(frames[0][frames[0].startIndex]) | Int32(frames[0][frames[0].startIndex + 1]) << 8
                if event & failedHandshakeEvents != 0 {
                    context.handshakeFailed(endpoint: String(decoding: frames[1], as: UTF8.self))
                }
            }
        }
    }

    /// The ZAP `User-Id` of the connection a received message came from; empty when there is none
    /// (no ZAP handler, or the NULL mechanism).
    static func userId(of msg: UnsafeMutablePointer<zmq_msg_t>) -> String {
        guard let value = zmq_msg_gets(msg, "User-Id") else { return "" }
        return String(cString: value)
    }
}

/// Lets the inbox's resume callback reach the socket without a retain cycle.
final class WeakSocketBox: @unchecked Sendable {
    weak var socket: ZMQSocket?
}
