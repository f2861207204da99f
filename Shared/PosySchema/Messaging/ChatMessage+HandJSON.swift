/// A stored message as the shard writes it — its row's body, every push of it and `msg.send`'s reply
/// — by hand (docs/performance.md, "Posy's own JSON for chat"). Its media, location and card are
/// written by Foundation's encoder inside it, byte for byte as they were.
extension ChatMessage: HandEncodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("at")
        w.string(at)
        if let card {
            w.key("card")
            try w.encoded(card)
        }
        if let clientMsgId {
            w.key("clientMsgId")
            w.string(clientMsgId)
        }
        w.key("conversationId")
        w.string(conversationId)
        if let erasedAt {
            w.key("erasedAt")
            w.string(erasedAt)
        }
        w.key("kind")
        w.string(kind.rawValue)
        if let location {
            w.key("location")
            try w.encoded(location)
        }
        if let media {
            w.key("media")
            try w.encoded(media)
        }
        w.key("party")
        w.string(party.rawValue)
        if let recalledAt {
            w.key("recalledAt")
            w.string(recalledAt)
        }
        w.key("senderId")
        w.string(senderId)
        w.key("seq")
        w.integer(Int(seq))
        if let text {
            w.key("text")
            w.string(text)
        }
        w.closeObject()
    }
}
