/// One step of a video call's signalling ("look before you sign", docs/protocol.md, "Calls"):
/// Posy relays these between the parties of an order while it is on its way; the media goes peer
/// to peer (WebRTC) and is never recorded.
public struct CallSignal: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case invite, ring, accept, decline, offer, answer, ice, hangup
    }

    /// The caller's id for the call (1…64 of `A–Z a–z 0–9 - _`), the same in every step.
    public var callId: String
    public var kind: Kind
    /// The sending device's own id (1…64 of the same), so that a device ignores its own steps and a
    /// person's other devices stop ringing when one of them answers.
    public var device: String
    /// The session description of an `offer` or `answer` (at most ``maxSDP`` bytes).
    public var sdp: String?
    /// An `ice` candidate as the browser gives it (`{candidate, sdpMid, sdpMLineIndex}`).
    public var candidate: JSONValue?
    /// Why a call was declined or hung up (at most 200 characters).
    public var reason: String?

    public init(callId: String, kind: Kind, device: String, sdp: String? = nil, candidate: JSONValue? = nil, reason: String? = nil) {
        self.callId = callId
        self.kind = kind
        self.device = device
        self.sdp = sdp
        self.candidate = candidate
        self.reason = reason
    }

    public static let maxSDP = 16 * 1024
    public static let maxCandidate = 2 * 1024

    /// The relayed step as the other parties get it (`call.signal` push).
    public struct Relayed: Codable, Sendable, Equatable {
        public var conversationId: String
        public var orderId: String?
        public var from: ChatParty
        public var signal: CallSignal
        public var at: String

        public init(conversationId: String, orderId: String?, from: ChatParty, signal: CallSignal, at: String) {
            self.conversationId = conversationId
            self.orderId = orderId
            self.from = from
            self.signal = signal
            self.at = at
        }
    }
}
