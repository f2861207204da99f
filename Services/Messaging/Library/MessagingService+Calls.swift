import Foundation
import PosyAccess
import PosySchema
import PosyStore

extension MessagingService {
    /// The order states in which its parties may call each other: the flowers are on their way.
    static let callStates: Set<String> = [OrderState.outForDelivery.rawValue, OrderState.arriving.rawValue]

    /// `msg.call`: relays one step of a video call (docs/protocol.md, "Calls") to the order's other
    /// parties — its customer (and the tracking links of that order), its courier, the shop's staff —
    /// and never to anyone else; only while the order is on its way. The call's start, answer,
    /// refusal and end are written to the order's chat for everyone to read later.
    public func callSignal(_ r: MessagingRPC.CallRequest, for viewer: Viewer) async throws {
        let signal = try Self.validate(r.signal)
        let at = nowText
        let now = clock()
        let (c, access, members) = try await store.read { db in
            let (c, access) = try self.open(db, r.conversationId, viewer)
            return (c, access, try MemberRow.all(db, c.id))
        }
        guard c.kind == "order", [ChatParty.customer, .courier, .shop].contains(access.party) else {
            throw PosyError(.forbidden, "calls are between an order's customer, courier and shop")
        }
        guard let state = c.orderState, Self.callStates.contains(state) else {
            throw PosyError(.invalidTransition, "a call is possible while the order is on its way (outForDelivery or arriving)")
        }
        guard access.canSend(c, now: nowSeconds) else { throw PosyError(.readOnly, "this conversation is read-only") }
        let relayed = CallSignal.Relayed(conversationId: c.id, orderId: c.orderId, from: access.party, signal: signal, at: at)
        push(PushType.callSignal, c, body: try JSON.encode(relayed), members: members, withUnread: false)
        metrics.increment("call_signals")
        if let (text, seconds) = record(signal, from: access.party, now: now, conversation: c.id) {
            // The faces say the line in their reader's language from the card; the text is the English default.
            var fields: [String: JSONValue] = [
                "event": .string("call.\(signal.kind.rawValue)"), "callId": .string(signal.callId), "by": .string(access.party.rawValue),
            ]
            if signal.kind == .hangup {
                if let seconds { fields["seconds"] = .number(Double(seconds)) } else { fields["answered"] = .bool(false) }
            }
            let card: JSONValue = .object(fields)
            try await store.write { db in
                guard var row = try ConversationRow.load(db, c.id) else { return }
                try self.append(
                    db, &row, senderId: "posy", party: .system, clientMsgId: nil, kind: .system, text: text, card: card, at: at)
            }
        }
    }

    /// What the chat keeps of a step: the start, the answer, a refusal, the end with its length (seconds
    /// from the answer; nil for a call ended before it was answered).
    func record(_ s: CallSignal, from party: ChatParty, now: Date, conversation: String) -> (text: String, seconds: Int?)? {
        switch s.kind {
        case .invite:
            let fresh = calls.withLock { calls -> Bool in
                if calls.count > 10_000 { calls = calls.filter { now.timeIntervalSince($0.value.startedAt) < 3600 } }
                guard calls[s.callId] == nil else { return false }
                calls[s.callId] = CallTimes(conversationId: conversation, startedAt: now)
                return true
            }
            return fresh ? ("Video call started by the \(party.rawValue).", nil) : nil
        case .accept:
            let first = calls.withLock { calls -> Bool in
                guard calls[s.callId]?.answeredAt == nil else { return false }
                calls[s.callId, default: CallTimes(conversationId: conversation, startedAt: now)].answeredAt = now
                return true
            }
            return first ? ("Video call answered by the \(party.rawValue).", nil) : nil
        case .decline:
            calls.withLock { _ = $0.removeValue(forKey: s.callId) }
            return ("Video call declined by the \(party.rawValue).", nil)
        case .hangup:
            let times = calls.withLock { $0.removeValue(forKey: s.callId) }
            guard let answered = times?.answeredAt else {
                return times == nil ? nil : ("Video call ended by the \(party.rawValue) before it was answered.", nil)
            }
            let seconds = Int(now.timeIntervalSince(answered).rounded())
            return ("Video call ended by the \(party.rawValue) after \(seconds) s.", seconds)
        case .ring, .offer, .answer, .ice:
            return nil
        }
    }

    /// The step's fields, checked: ids of a safe alphabet and length, what each kind carries and nothing else.
    static func validate(_ s: CallSignal) throws -> CallSignal {
        func id(_ v: String, _ name: String) throws {
            guard (1...64).contains(v.utf8.count),
                v.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95 })
            else { throw PosyError(.invalidField, "\(name): 1…64 of A–Z, a–z, 0–9, - and _") }
        }
        try id(s.callId, "callId")
        try id(s.device, "device")
        let needsSDP = s.kind == .offer || s.kind == .answer
        if needsSDP {
            guard let sdp = s.sdp, !sdp.isEmpty, sdp.utf8.count <= CallSignal.maxSDP else {
                throw PosyError(.invalidField, "sdp: required for \(s.kind.rawValue), at most \(CallSignal.maxSDP) bytes")
            }
        } else if s.sdp != nil {
            throw PosyError(.invalidField, "sdp: only an offer or an answer carries one")
        }
        if s.kind == .ice {
            guard case .object = s.candidate, let size = try? JSON.encode(s.candidate).count, size <= CallSignal.maxCandidate else {
                throw PosyError(.invalidField, "candidate: an object of at most \(CallSignal.maxCandidate) bytes")
            }
        } else if s.candidate != nil {
            throw PosyError(.invalidField, "candidate: only an ice step carries one")
        }
        if let reason = s.reason {
            guard s.kind == .decline || s.kind == .hangup, reason.count <= 200 else {
                throw PosyError(.invalidField, "reason: only on decline or hangup, at most 200 characters")
            }
        }
        return s
    }
}
