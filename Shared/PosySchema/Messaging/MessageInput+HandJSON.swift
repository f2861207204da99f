/// A chat message as its sender gives it, written by the gateway and read by the shard by hand
/// (docs/performance.md, "Posy's own JSON for chat"). A voice note's waveform and a location are
/// left to Foundation's coders: only their null is plain here.
extension MessageInput: HandEncodable, HandDecodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("clientMsgId")
        w.string(clientMsgId)
        if let durationMs {
            w.key("durationMs")
            w.integer(durationMs)
        }
        w.key("kind")
        w.string(kind)
        if let location {
            w.key("location")
            try w.encoded(location)
        }
        if let mediaId {
            w.key("mediaId")
            w.string(mediaId)
        }
        if let text {
            w.key("text")
            w.string(text)
        }
        if let waveform {
            w.key("waveform")
            w.openArray()
            for level in waveform { w.integer(level) }
            w.closeArray()
        }
        w.closeObject()
    }

    static func read(from p: inout EnvelopeCodec.Parser) throws -> MessageInput {
        var fields = Fields()
        try p.object { p, name in
            guard let bit = try fields.read(name, from: &p) else {
                try p.skipPlainValue()
                return 0
            }
            return bit
        }
        return try fields.input(p)
    }

    /// A message's members as a reader meets them, in its own object or among a frame's.
    struct Fields {
        var clientMsgId: String?
        var kind: String?
        var text: String?
        var mediaId: String?
        var durationMs: Int?

        /// Reads the value of `name` if it is one of a message's and returns its bit; nil for
        /// another name, whose value is left unread.
        mutating func read(_ name: String, from p: inout EnvelopeCodec.Parser) throws -> UInt64? {
            switch name {
            case "clientMsgId":
                clientMsgId = try p.string()
                return 1 << 10
            case "kind":
                kind = try p.string()
                return 1 << 11
            case "text":
                text = try p.optionalString()
                return 1 << 12
            case "mediaId":
                mediaId = try p.optionalString()
                return 1 << 13
            case "durationMs":
                durationMs = try p.isNull() ? nil : try p.plainInt()
                return 1 << 14
            case "waveform", "location":
                guard try p.isNull() else { throw p.fail("\(name) is read by JSONDecoder") }
                return name == "waveform" ? 1 << 15 : 1 << 16
            default:
                return nil
            }
        }

        func input(_ p: EnvelopeCodec.Parser) throws -> MessageInput {
            guard let clientMsgId, let kind else { throw p.fail("not a plain message") }
            return MessageInput(clientMsgId: clientMsgId, kind: kind, text: text, mediaId: mediaId, durationMs: durationMs)
        }
    }
}
