import Foundation

/// `events.replay` reply: `{"v":1,"epoch":"…","head":N,"events":[<envelope>,…]}`.
///
/// `events` are whole envelopes, exactly as published. `head` is the topic's head seq at the
/// time of the reply, so the caller knows whether to ask again.
public struct ReplayBatch: Sendable, Equatable {
    public var v: Int = 1
    public var epoch: String
    public var head: Int64
    public var events: [Envelope]

    public init(epoch: String, head: Int64, events: [Envelope]) {
        self.epoch = epoch
        self.head = head
        self.events = events
    }

    /// Encodes with the stored envelope bytes spliced in (no re-encoding of payloads).
    public static func encode(epoch: String, head: Int64, rawEvents: [Data]) -> Data {
        var out = [UInt8]()
        out.append(contentsOf: #"{"v":1,"epoch":"#.utf8)
        EnvelopeCodec.appendString(epoch, to: &out)
        out.append(contentsOf: #","head":"#.utf8)
        out.append(contentsOf: String(head).utf8)
        out.append(contentsOf: #","events":["#.utf8)
        for (n, e) in rawEvents.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: e)
        }
        out.append(contentsOf: "]}".utf8)
        return Data(out)
    }

    public func encoded() -> Data {
        ReplayBatch.encode(epoch: epoch, head: head, rawEvents: events.map(EnvelopeCodec.encode))
    }

    public static func decode(_ data: Data) throws -> ReplayBatch {
        try data.withUnsafeBytes { raw in
            var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self))
            var epoch: String?
            var head: Int64?
            var events: [Envelope] = []
            try p.expect(UInt8(ascii: "{"))
            while true {
                let key = try p.memberName()
                switch key {
                case "epoch": epoch = try p.string()
                case "head": head = try p.integer()
                case "events":
                    try p.expect(UInt8(ascii: "["))
                    p.skipSpace()
                    if p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "]") {
                        p.i += 1
                    } else {
                        while true {
                            p.skipSpace()
                            let start = p.i
                            try p.skipValue(depth: 0)
                            let slice = Data(UnsafeBufferPointer(rebasing: p.bytes[start..<p.i]))
                            events.append(try EnvelopeCodec.decode(slice))
                            p.skipSpace()
                            guard p.i < p.bytes.count else { throw p.fail("unterminated array") }
                            if p.bytes[p.i] == UInt8(ascii: ",") {
                                p.i += 1
                                continue
                            }
                            if p.bytes[p.i] == UInt8(ascii: "]") {
                                p.i += 1
                                break
                            }
                            throw p.fail("expected ',' or ']'")
                        }
                    }
                default:
                    try p.skipValue(depth: 0)
                }
                p.skipSpace()
                guard p.i < p.bytes.count else { throw p.fail("unterminated object") }
                if p.bytes[p.i] == UInt8(ascii: ",") {
                    p.i += 1
                    continue
                }
                if p.bytes[p.i] == UInt8(ascii: "}") {
                    p.i += 1
                    break
                }
                throw p.fail("expected ',' or '}'")
            }
            guard let epoch, let head else { throw p.fail("missing epoch or head") }
            return ReplayBatch(epoch: epoch, head: head, events: events)
        }
    }
}
