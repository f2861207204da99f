import NIOCore
import NIOEmbedded
import PosyCore
import Testing

@testable import PosyGateway

/// The first request head of a connection, judged before the HTTP decoder sees it.
@Suite struct RequestHeadGuardTests {
    static func judge(_ text: String) -> RequestHeadGuard.Verdict {
        RequestHeadGuard.judge(ByteBuffer(string: text).readableBytesView, limits: .init())
    }

    static func status(_ text: String) -> Int? {
        if case .reject(let status, _) = judge(text) { return status }
        return nil
    }

    @Test func wellFormedHeadsPass() {
        let head = "GET /v1/orders?limit=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n"
        #expect(Self.judge(head) == .complete(headLength: head.utf8.count))
        #expect(Self.judge(head + "POST /next") == .complete(headLength: head.utf8.count))
        #expect(Self.judge("POST /v1/media HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") != .incomplete)
        #expect(Self.status("POST /v1/media HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == nil)
        #expect(
            Self.status(
                "GET /v1/stream HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ) == nil)
        #expect(Self.judge("GET /healthz HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(Self.judge("GE") == .incomplete)
    }

    @Test func malformedHeadsAreRefusedWithTheirStatus() {
        #expect(Self.status("GET /healthz\r\n") == 400)  // HTTP/0.9
        #expect(Self.status("GET /healthz HTTP/2.0\r\n\r\n") == 400)
        #expect(Self.status("\u{16}\u{03}\u{01}\u{00}") == 400)  // TLS on the HTTP port
        #expect(Self.status("GET / HTTP/1.1\nHost: x\n\n") == 400)  // bare LF
        #expect(Self.status("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n") == 400)
        #expect(Self.status("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == 400)
        #expect(Self.status("GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n") == 400)
        #expect(Self.status("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == 400)
        #expect(Self.status("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == 400)
        #expect(Self.status("POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n") == 400)
        #expect(Self.status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 400)
        #expect(Self.status("GET /v1/stream HTTP/1.1\r\nUpgrade: websocket\r\n\r\n") == 400)
        #expect(Self.status("GET /" + String(repeating: "a", count: 9000)) == 414)
        #expect(Self.status("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 40_000)) == 431)
        #expect(Self.status("GET / HTTP/1.1\r\n" + String(repeating: "X: y\r\n", count: 101) + "\r\n") == 431)
    }

    /// A request judged HTTP waits, body and all, until the HTTP handlers are in place behind the
    /// guard (the connection's task sets them up); a large body on its way meanwhile is not a reason to close.
    @Test func aHeldRequestKeepsItsBodyUntilTheHTTPHandlersAreThere() throws {
        let channel = EmbeddedChannel()
        let head = RequestHeadGuard()
        try channel.pipeline.syncOperations.addHandler(head)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        let decision = Locked<RequestHeadGuard.Decision?>(nil)
        head.decided?.futureResult.whenSuccess { d in decision.withLock { $0 = d } }
        let text = "POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: text))
        #expect(decision.withLock { $0 } == .http)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        for _ in 0..<16 { try channel.writeInbound(ByteBuffer(repeating: UInt8(ascii: "a"), count: 65_536)) }
        #expect(channel.isActive)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        head.release(context: try channel.pipeline.syncOperations.context(handler: head))
        var passed = ByteBuffer()
        while var part = try channel.readInbound(as: ByteBuffer.self) { passed.writeBuffer(&part) }
        #expect(passed.readableBytes == text.utf8.count + 1_048_576)
        #expect(passed.getString(at: 0, length: text.utf8.count) == text)
        _ = try? channel.finish()
    }
    /// A client that closes its side before its head is whole is not held until the head's timeout:
    /// nothing sent, the connection closes; part of a head, it gets its 400 first.
    @Test func aClientThatClosesBeforeItsHeadIsLetGoAtOnce() throws {
        for (sent, answer) in [("", nil), ("GET /healthz HTT", "HTTP/1.1 400 ")] {
            let channel = EmbeddedChannel()
            let head = RequestHeadGuard()
            try channel.pipeline.syncOperations.addHandler(head)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
            if !sent.isEmpty { try channel.writeInbound(ByteBuffer(string: sent)) }
            #expect(channel.isActive)
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            let written = try channel.readOutbound(as: IOData.self)
            if case .byteBuffer(let b) = written {
                #expect(b.getString(at: 0, length: 13) == answer, "\(sent)")
            } else {
                #expect(answer == nil, "\(sent): \(String(describing: written))")
            }
            channel.embeddedEventLoop.run()
            #expect(!channel.isActive, "\(sent)")
        }
    }

    /// A connection over its address's share is answered and closed as soon as it is active,
    /// before anything is read.
    @Test func aRefusalAtOnceIsWrittenAndClosedBeforeAnythingIsRead() throws {
        let channel = EmbeddedChannel()
        let refusal = RequestHeadGuard.Refusal(
            status: 429, reason: "Too Many Requests", headers: [("Retry-After", "5")], body: #"{"code":"rate_limited"}"#)
        try channel.pipeline.syncOperations.addHandler(RequestHeadGuard(refuseAtOnce: refusal))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        guard case .byteBuffer(let b) = try channel.readOutbound(as: IOData.self) else {
            Issue.record("nothing written")
            return
        }
        let text = b.getString(at: 0, length: b.readableBytes) ?? ""
        #expect(text.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
        #expect(text.contains("Retry-After: 5\r\n") && text.hasSuffix(#"{"code":"rate_limited"}"#))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}
