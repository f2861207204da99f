import Foundation
import NIOCore

/// The first handler of every HTTP connection: it holds the first request head until it is whole
/// and well-formed, and answers what is not with a status and a close (docs/architecture.md, "The
/// gateway"). Behind it, a head the HTTP decoder cannot parse made the WebSocket-upgrade pipeline
/// give up silently and keep the connection open, and a head that never ended held it for ever.
///
/// - a head not complete within `headTimeout`: 408;
/// - a request line over `maxRequestLine` bytes: 414; a head over `maxHead` bytes or
///   `maxHeaderCount` fields: 431;
/// - not `METHOD target HTTP/1.x` (HTTP/0.9, TLS or other bytes on the port), a malformed field,
///   obsolete line folding, `Content-Length` given twice or with `Transfer-Encoding`, a transfer
///   coding other than `chunked`, a WebSocket upgrade without its key or version 13: 400.
///
/// A WebSocket upgrade is also put to `preflight`, which may refuse it (an error response with its
/// status, JSON body and headers: 401, 429 with `Retry-After`) or take the connection over (the live
/// stream: ``StreamUpgrade``), so that it never becomes an HTTP connection at all. Anything else is
/// held until ``GuardedHTTPChannel`` has put the HTTP handlers behind this one (``release(context:)``).
///
/// Later requests on a kept-alive connection go to the decoder directly; the HTTP channel's idle
/// timeout closes a connection that sends nothing. Should the server still write nothing for the
/// first request, ``answerIfSilent()`` sends 400 before the connection is closed.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    struct Limits: Sendable {
        var headTimeout: TimeAmount = .seconds(10)
        var maxRequestLine = 8 * 1024
        var maxHead = 32 * 1024
        var maxHeaderCount = 100
    }

    enum Verdict: Equatable {
        case incomplete
        case complete(headLength: Int)
        case reject(status: Int, reason: String)
    }

    /// A WebSocket upgrade request as the preflight sees it: the method, the request target and the
    /// header fields (names lower-cased).
    struct UpgradeRequest: Sendable {
        var method: String = "GET"
        var target: String
        var headers: [String: String]
    }

    /// What became of a connection's first request.
    enum Decision: Sendable, Equatable {
        /// Answered here (refused, or the connection ended first): nothing more to do.
        case refused
        /// An HTTP request: set up the HTTP handlers, then ``release(context:)``.
        case http
        /// Taken over by the preflight (a live stream): not HTTP any more.
        case takenOver
    }

    /// Given the guard and its context, on the event loop: takes the connection over. It ends with
    /// ``handOver(context:answer:handlers:)`` or ``refuse(context:_:)``.
    typealias Takeover = (RequestHeadGuard, ChannelHandlerContext) -> Void

    /// What the preflight makes of an upgrade.
    enum Preflighted {
        /// Not the preflight's: the HTTP handlers answer it.
        case pass
        case refuse(Refusal)
        case takeOver(Takeover)
    }

    /// What the preflight refuses an upgrade with.
    struct Refusal: Sendable {
        var status: Int
        var reason: String
        var headers: [(String, String)]
        var body: String
    }

    typealias Preflight = @Sendable (UpgradeRequest) -> Preflighted

    private let limits: Limits
    private let preflight: Preflight?
    /// Answered and closed as soon as the connection is active, before anything is read (its
    /// address holds its share of the gateway's connections: ``ClientConnections``).
    private let refuseAtOnce: Refusal?
    /// Completed once the first head was judged, or the connection ended first (``Decision``).
    private(set) var decided: EventLoopPromise<Decision>?
    private var buffered: ByteBuffer?
    private var isDecided = false
    private var sawLineEnd = false
    /// Bytes go on to the HTTP handlers.
    private var passing = false
    /// A whole head was judged: later bytes wait (for the HTTP handlers, or the takeover).
    private var holding = false
    private var answered = false
    private var timer: Scheduled<Void>?

    init(limits: Limits = Limits(), preflight: Preflight? = nil, refuseAtOnce: Refusal? = nil) {
        self.limits = limits
        self.preflight = preflight
        self.refuseAtOnce = refuseAtOnce
    }

    func handlerAdded(context: ChannelHandlerContext) {
        decided = context.eventLoop.makePromise(of: Decision.self)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: limits.headTimeout) {
            let (handler, context) = loopBound.value
            if !handler.passing { handler.reject(context: context, status: 408, reason: "Request Timeout") }
        }
        if let refuseAtOnce, context.channel.isActive { respond(context: context, refuseAtOnce, closeAtOnce: true) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if let refuseAtOnce { respond(context: context, refuseAtOnce, closeAtOnce: true) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        decide(.refused)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !passing { decide(.refused) }
        context.fireChannelInactive()
    }

    /// A client that closed its side before its first head was whole sends nothing more: a part of a
    /// head gets its 400, nothing at all a close — not a connection held until the head's timeout.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, !passing, !holding, !answered {
            if (buffered?.readableBytes ?? 0) > 0 {
                reject(context: context, status: 400, reason: "Bad Request")
            } else {
                answered = true
                timer?.cancel()
                decide(.refused)
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if passing {
            context.fireChannelRead(data)
            return
        }
        guard !answered else { return }  // a rejected connection reads nothing more
        var incoming = unwrapInboundIn(data)
        if holding {
            // Bytes after the head while the HTTP handlers are set up or the takeover waits (reading
            // is paused meanwhile; these were on their way): kept for them.
            buffered!.writeBuffer(&incoming)
            return
        }
        let first = buffered == nil
        // The head is judged again only when a line may have ended (or at the first bytes): a client
        // dribbling a byte at a time must not make every read rescan the whole head.
        let lineEnded = incoming.readableBytesView.contains(UInt8(ascii: "\n"))
        if first { buffered = incoming } else { buffered!.writeBuffer(&incoming) }
        sawLineEnd = sawLineEnd || lineEnded
        let verdict: Verdict
        if first || lineEnded {
            verdict = Self.judge(buffered!.readableBytesView, limits: limits)
        } else if buffered!.readableBytes > limits.maxHead {
            verdict = .reject(status: 431, reason: "Request Header Fields Too Large")
        } else if buffered!.readableBytes > limits.maxRequestLine, !sawLineEnd {
            verdict = .reject(status: 414, reason: "URI Too Long")
        } else {
            verdict = .incomplete
        }
        switch verdict {
        case .incomplete:
            return
        case .reject(let status, let reason):
            reject(context: context, status: status, reason: reason)
        case .complete(let length):
            var outcome = Preflighted.pass
            if let preflight, let request = Self.upgradeRequest(buffered!.readableBytesView.prefix(length)) {
                outcome = preflight(request)
            }
            switch outcome {
            case .refuse(let refusal):
                respond(context: context, refusal)
            case .pass:
                hold(context: context)
                decide(.http)
            case .takeOver(let takeover):
                hold(context: context)
                buffered!.moveReaderIndex(forwardBy: length)
                decide(.takenOver)
                takeover(self, context)
            }
        }
    }

    /// A whole head was judged: nothing more is read until those who take it over are in place (a
    /// request's body may be large).
    private func hold(context: ChannelHandlerContext) {
        holding = true
        timer?.cancel()
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
    }

    private func resumeReading(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        context.read()
    }

    /// The HTTP handlers are in place behind this guard: the held request goes to them, and so does
    /// everything after it.
    func release(context: ChannelHandlerContext) {
        guard holding, !answered else { return }
        holding = false
        passing = true
        let all = buffered ?? ByteBuffer()
        buffered = nil
        // Outside a read cycle: the read-complete lets handlers that gather reads (the async channel) deliver them.
        context.fireChannelRead(wrapInboundOut(all))
        context.fireChannelReadComplete()
        resumeReading(context: context)
    }

    /// Ends a takeover: writes `answer` (the protocol switch), puts `handlers` where this guard was,
    /// gives them the bytes that came after the head, and leaves the pipeline.
    func handOver(context: ChannelHandlerContext, answer: ByteBuffer, handlers: [any ChannelHandler]) throws {
        guard holding, !answered else { return }
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(answer)), promise: nil)
        let pipeline = context.pipeline.syncOperations
        var position = ChannelPipeline.SynchronousOperations.Position.after(self)
        for handler in handlers {
            try pipeline.addHandler(handler, position: position)
            position = .after(handler)
        }
        holding = false
        let rest = buffered ?? ByteBuffer()
        buffered = nil
        if rest.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(rest))
            context.fireChannelReadComplete()
        }
        resumeReading(context: context)
        pipeline.removeHandler(context: context, promise: nil)
    }

    /// Ends a takeover with a refusal.
    func refuse(context: ChannelHandlerContext, _ refusal: Refusal) {
        respond(context: context, refusal)
    }

    private func decide(_ decision: Decision) {
        guard !isDecided else { return }
        isDecided = true
        decided?.succeed(decision)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        answered = true
        context.write(data, promise: promise)
    }

    /// Called once the HTTP handling of the connection has ended: if it wrote nothing at all for the
    /// first request (the decoder refused it), the client still gets a status before the close.
    func answerIfSilent(context: ChannelHandlerContext) {
        if !answered { reject(context: context, status: 400, reason: "Bad Request") }
    }

    private func reject(context: ChannelHandlerContext, status: Int, reason: String) {
        respond(context: context, Refusal(status: status, reason: reason, headers: [], body: ""))
    }

    /// Writes `r` and closes: once it is written, or at once (`closeAtOnce`, for a connection never
    /// read: what the socket takes now goes out, and nothing holds the descriptor longer).
    private func respond(context: ChannelHandlerContext, _ r: Refusal, closeAtOnce: Bool = false) {
        guard !answered else { return }
        answered = true
        passing = false
        holding = false
        buffered = nil
        timer?.cancel()
        decide(.refused)
        var text =
            "HTTP/1.1 \(r.status) \(r.reason)\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\nContent-Length: \(r.body.utf8.count)\r\n"
        for (name, value) in r.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n" + r.body
        if closeAtOnce {
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer(string: text))), promise: nil)
            context.close(promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer(string: text)))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }

    /// The reason phrase of a status this guard or the preflight answers with.
    static func reason(_ status: Int) -> String {
        [
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 414: "URI Too Long",
            429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
            503: "Service Unavailable",
        ][status] ?? "Error"
    }

    /// The target and fields of a complete, judged head when it asks for a WebSocket upgrade.
    static func upgradeRequest(_ head: ByteBufferView.SubSequence) -> UpgradeRequest? {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return nil }
        let parts = first.split(separator: " ")
        guard parts.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
        }
        guard headers["upgrade"]?.lowercased() == "websocket" else { return nil }
        return UpgradeRequest(method: String(parts[0]), target: String(parts[1]), headers: headers)
    }

    /// Judges the bytes of a first request received so far.
    static func judge(_ bytes: ByteBufferView, limits: Limits) -> Verdict {
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        // The request line: its first byte must start a method (TLS, HTTP/2 and binary garbage do not).
        if let first = bytes.first, !isTokenByte(first) { return .reject(status: 400, reason: "Bad Request") }
        var lines: [ByteBufferView.SubSequence] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == lf {
                guard i > start, bytes[bytes.index(before: i)] == cr else { return .reject(status: 400, reason: "Bad Request") }
                let line = bytes[start..<bytes.index(before: i)]
                if line.isEmpty {
                    guard !lines.isEmpty else { return .reject(status: 400, reason: "Bad Request") }
                    return check(lines, limits: limits) ?? .complete(headLength: bytes.distance(from: bytes.startIndex, to: i) + 1)
                }
                lines.append(line)
                if lines.count > limits.maxHeaderCount + 1 { return .reject(status: 431, reason: "Request Header Fields Too Large") }
                start = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        // Not complete yet: is what came already too long?
        if lines.isEmpty, bytes.count > limits.maxRequestLine { return .reject(status: 414, reason: "URI Too Long") }
        if bytes.count > limits.maxHead { return .reject(status: 431, reason: "Request Header Fields Too Large") }
        if let line = lines.first, let bad = checkRequestLine(line, limits: limits) { return bad }
        return .incomplete
    }

    /// A complete head's lines: the request line, then `name: value` fields.
    static func check(_ lines: [ByteBufferView.SubSequence], limits: Limits) -> Verdict? {
        if let bad = checkRequestLine(lines[0], limits: limits) { return bad }
        if lines.reduce(0, { $0 + $1.count + 2 }) > limits.maxHead {
            return .reject(status: 431, reason: "Request Header Fields Too Large")
        }
        var contentLengths = 0
        var transferEncoding: String?
        var upgrade: String?
        var webSocketKey = false
        var webSocketVersion: String?
        for line in lines.dropFirst() {
            // obs-fold (a line starting with whitespace) and fields without a name are refused.
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy(isTokenByte)
            else { return .reject(status: 400, reason: "Bad Request") }
            let value = line[line.index(after: colon)...]
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7f) }) else { return .reject(status: 400, reason: "Bad Request") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: [" ", "\t"])
            if name == "content-length" {
                contentLengths += 1
                guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), text.utf8.count <= 18 else {
                    return .reject(status: 400, reason: "Bad Request")
                }
            } else if name == "upgrade" {
                upgrade = text.lowercased()
            } else if name == "sec-websocket-key" {
                webSocketKey = !text.isEmpty
            } else if name == "sec-websocket-version" {
                webSocketVersion = text
            } else if name == "transfer-encoding" {
                guard transferEncoding == nil else { return .reject(status: 400, reason: "Bad Request") }
                transferEncoding = text.lowercased()
            }
        }
        if contentLengths > 1 { return .reject(status: 400, reason: "Bad Request") }
        // A WebSocket upgrade the upgrader would refuse without an answer (RFC 6455 §4.2.1).
        if upgrade == "websocket", !webSocketKey || webSocketVersion != "13" { return .reject(status: 400, reason: "Bad Request") }
        if let te = transferEncoding {
            guard te == "chunked", contentLengths == 0 else { return .reject(status: 400, reason: "Bad Request") }
        }
        return nil
    }

    /// `METHOD SP request-target SP HTTP/1.0|1.1`, within the length limit.
    static func checkRequestLine(_ line: ByteBufferView.SubSequence, limits: Limits) -> Verdict? {
        if line.count > limits.maxRequestLine { return .reject(status: 414, reason: "URI Too Long") }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte), !parts[1].isEmpty,
            parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7f }),
            parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8)
        else { return .reject(status: 400, reason: "Bad Request") }
        return nil
    }

    /// RFC 9110 tchar.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
