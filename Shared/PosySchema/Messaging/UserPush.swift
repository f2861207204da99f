import Foundation

/// The data of a push to users on the bus (ephemeral, topic `to.<userId>.` or `shop.<shopId>.`): chat
/// pushes, live positions (no `conversationId` on the staff map's) and notifications. It carries
/// each member's unread count, from which the gateway gives every connection its own, then the
/// push's body, last and `bodyLength` bytes long, so a reader takes its bytes without re-encoding:
/// `{"conversationId":…,"role":…,"only":…,"unread":{…},"unreadElse":n,"bodyLength":n,"body":{…}}`.
/// `role` is the audience's role (a push to `to.c1.` for the customer is not for a courier who
/// happens to be named `c1`); nil for a shop topic. `orderId` names the order the push is about
/// (nil for a direct conversation or news of no order): a connection holding a tracking link
/// receives only its own order's pushes.
public struct UserPush: Sendable, Equatable {
    public var conversationId: String?
    public var orderId: String?
    public var role: String?
    public var unread: [String: Int]?
    /// The unread count of a staff member missing from `unread` (one who never read or wrote there).
    public var unreadElse: Int?
    /// Set when the push is for one user only (their own cursors after an ack on another device).
    public var only: String?
    public var bodyLength: Int

    public init(
        conversationId: String?, orderId: String?, role: String?, unread: [String: Int]?, unreadElse: Int? = nil,
        only: String? = nil
    ) {
        self.conversationId = conversationId
        self.orderId = orderId
        self.role = role
        self.unread = unread
        self.unreadElse = unreadElse
        self.only = only
        self.bodyLength = 0
    }

    /// The topic of pushes to the staff of `shopId`.
    public static func shopTopic(_ shopId: String) -> String { Topic.shop(shopId) }

    /// The push's bytes with `body` (JSON) at the end.
    public func encode(body: Data) -> Data {
        var data = Data("{".utf8)
        var first = true
        func key(_ name: String) {
            data += Data(((first ? "" : ",") + "\"\(name)\":").utf8)
            first = false
        }
        if let conversationId {
            key("conversationId")
            data += Data(JSON.quoted(conversationId).utf8)
        }
        if let orderId {
            key("orderId")
            data += Data(JSON.quoted(orderId).utf8)
        }
        if let role {
            key("role")
            data += Data(JSON.quoted(role).utf8)
        }
        if let only {
            key("only")
            data += Data(JSON.quoted(only).utf8)
        }
        if let unread, !unread.isEmpty {
            key("unread")
            data += Data("{".utf8)
            data += Data(unread.map { "\(JSON.quoted($0.key)):\($0.value)" }.joined(separator: ",").utf8)
            data += Data("}".utf8)
        }
        if let unreadElse {
            key("unreadElse")
            data += Data("\(unreadElse)".utf8)
        }
        key("bodyLength")
        data += Data("\(body.count),\"body\":".utf8) + body + Data("}".utf8)
        return data
    }

    /// The push and the bytes of its body. Every push to a stream passes here, so its header is read
    /// by hand and the body only checked as JSON, never decoded (docs/performance.md, "CPU per message").
    public static func decode(_ data: Data) throws -> (UserPush, Data) {
        let (push, body) = try data.withUnsafeBytes { raw -> (UserPush, Range<Int>) in
            var p = EnvelopeCodec.Parser(bytes: raw.bindMemory(to: UInt8.self), subject: "chat push")
            return try p.userPush()
        }
        guard push.bodyLength > 0, push.bodyLength == body.count else {
            throw SchemaError(.badPayload, "chat push: bodyLength does not fit the data")
        }
        return (push, data[(data.startIndex + body.lowerBound)..<(data.startIndex + body.upperBound)])
    }
}

extension EnvelopeCodec.Parser {
    /// A ``UserPush`` object: its fields in any order (`null` for an absent one), each at most once,
    /// unknown ones skipped (as JSONDecoder did), the body's byte range; the whole document checked as JSON.
    mutating func userPush() throws -> (UserPush, Range<Int>) {
        var push = UserPush(conversationId: nil, orderId: nil, role: nil, unread: nil)
        var bodyLength: Int64?
        var body: Range<Int>?
        var seen = 0
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { throw fail("empty object") }
        while true {
            let key = try memberName(checking: Self.pushFieldBits, seen: &seen)
            switch key {
            case "conversationId": push.conversationId = try optionalString()
            case "orderId": push.orderId = try optionalString()
            case "role": push.role = try optionalString()
            case "only": push.only = try optionalString()
            case "unreadElse": push.unreadElse = try optionalInteger().map { Int(clamping: $0) }
            case "bodyLength": bodyLength = try integer()
            case "unread": push.unread = try optionalCounts()
            case "body":
                let start = i
                try skipValue(depth: 0)
                body = start..<i
            default:
                try skipValue(depth: 0)
            }
            if try !nextMember() { break }
        }
        skipSpace()
        guard i == bytes.count else { throw fail("trailing bytes") }
        guard let bodyLength, let body else { throw fail("missing body or bodyLength") }
        push.bodyLength = Int(clamping: bodyLength)
        return (push, body)
    }

    static let pushFieldBits: [String: Int] = [
        "conversationId": 1, "orderId": 2, "role": 4, "only": 8, "unreadElse": 16, "bodyLength": 32, "unread": 64, "body": 128,
    ]

    mutating func isNull() throws -> Bool {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    mutating func optionalString() throws -> String? { try isNull() ? nil : try string() }

    mutating func optionalInteger() throws -> Int64? { try isNull() ? nil : try integer() }

    /// `{"<user>":<count>,…}`; a name given twice is refused (stricter than JSONDecoder, which takes the first).
    mutating func optionalCounts() throws -> [String: Int]? {
        if try isNull() { return nil }
        try expect(UInt8(ascii: "{"))
        var counts: [String: Int] = [:]
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return counts
        }
        while true {
            let name = try memberName()
            guard counts.updateValue(Int(clamping: try integer()), forKey: name) == nil else { throw fail("\(name) given twice") }
            if try !nextMember() { return counts }
        }
    }
}
