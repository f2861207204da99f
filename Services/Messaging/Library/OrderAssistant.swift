import Foundation
import PosySchema

/// The order assistant's mind, without I/O: which question a customer's message asks,
/// and the answer from what the customer may know of their order, in the asker's language. It
/// answers "where are my flowers / when will they arrive", explains how to change the address or
/// time, and hands over to the shop's staff when asked for a person or when it cannot answer.
/// It only ever speaks from ``AssistantFacts`` — the order's state, window, the courier's distance
/// and ETA while out for delivery — so it cannot reveal a surprise's sender or anyone's phone.
public enum OrderAssistant {
    public enum Intent: String, Sendable, Equatable, CaseIterable {
        case whereIsIt, change, human, unknown
    }

    public struct Reply: Sendable, Equatable {
        public var intent: Intent
        public var locale: String
        public var text: String
        /// The conversation now needs a person.
        public var handOver: Bool
    }

    /// Words that ask for each intent, checked in this order: an explicit request for a person
    /// first, then changes ("can I change when it arrives" is a change), then where/when.
    static let phrases: [(Intent, [String])] = [
        (
            .human,
            [
                "人工", "客服", "真人", "转接", "找人", "human", "agent", "real person", "a person", "someone real", "operator",
                "talk to someone", "speak to someone", "talk to the shop", "call me",
            ]
        ),
        (
            .change,
            [
                "改地址", "换地址", "修改", "更改", "改时间", "换时间", "改期", "推迟", "提前", "改一下", "change", "modify", "update the address",
                "different address", "reschedule", "another time", "different time", "new address", "wrong address",
            ]
        ),
        (
            .whereIsIt,
            [
                "到哪", "在哪", "什么时候", "多久", "几点", "到了吗", "还没到", "进度", "送到了", "怎么还没", "where", "when", "eta",
                "how long", "arrive", "status", "track", "on the way", "still waiting", "not here", "delivered yet", "how far",
            ]
        ),
    ]

    /// The intent of a customer's message. Chinese phrases and English ones with a space match
    /// anywhere; a single English word matches the start of a word ("arrive" in "arriving", but
    /// "eta" not in "details").
    public static func intent(_ text: String) -> Intent {
        let t = text.lowercased()
        let bytes = Array(t.utf8)
        let words = t.split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
        func matches(_ key: String) -> Bool {
            if key.utf8.contains(UInt8(ascii: " ")) || !key.utf8.allSatisfy({ $0 < 0x80 }) { return occurs(key, in: bytes) }
            return words.contains { $0.hasPrefix(key) }
        }
        for (intent, keys) in phrases where keys.contains(where: matches) {
            return intent
        }
        return .unknown
    }

    /// Whether the assistant speaks up: for what it understands, and for other questions (which it
    /// hands over) unless the conversation is `handedOver` already — those wait for the person.
    /// Chat between people ("thanks!", "the side door, please") it leaves alone.
    public static func answers(_ text: String, handedOver: Bool = false) -> Bool {
        intent(text) != .unknown || (!handedOver && isQuestion(text))
    }

    static func isQuestion(_ text: String) -> Bool {
        let t = text.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = Array(t.utf8)
        if ["?", "？", "谁", "什么", "怎么", "为什么", "哪"].contains(where: { occurs($0, in: bytes) }) { return true }
        if ["吗", "呢", "么"].contains(where: { t.hasSuffix($0) }) { return true }
        let first = t.split { !$0.isLetter && $0 != "'" }.first.map(String.init) ?? ""
        return ["who", "what", "what's", "why", "how", "can", "could", "do", "does", "is", "are", "will", "would", "which"].contains(first)
    }

    /// Whether `key` occurs in `text` (UTF-8), byte for byte. The keys are plain phrases; Foundation's
    /// `String.contains` compares through NSString with canonical equivalence, and on every customer
    /// message cost more than the rest of storing it (docs/performance.md, "CPU per message").
    static func occurs(_ key: String, in text: [UInt8]) -> Bool {
        let k = Array(key.utf8)
        guard let first = k.first else { return true }
        guard k.count <= text.count else { return false }
        for i in 0...(text.count - k.count) where text[i] == first && text[i..<(i + k.count)].elementsEqual(k) { return true }
        return false
    }

    /// `zh-CN` when the message has Chinese in it, else `en`.
    public static func locale(_ text: String) -> String {
        text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3400...0x4DBF).contains($0.value) } ? "zh-CN" : "en"
    }

    public static func reply(to text: String, facts: AssistantFacts?) -> Reply {
        let intent = intent(text)
        let zh = locale(text) == "zh-CN"
        let locale = zh ? "zh-CN" : "en"
        switch intent {
        case .human:
            return Reply(
                intent: intent, locale: locale,
                text: zh ? "好的，已请店员来回复您，请稍候。" : "Sure — I've asked the shop to join; someone will reply here shortly.",
                handOver: true)
        case .change:
            return Reply(
                intent: intent, locale: locale,
                text: zh
                    ? "要修改收花地址或配送时间，请在订单页点“申请修改”，或直接在这里写下新的地址/时间，店员确认后骑手会收到更新。"
                    : "To change the address or the time, tap “Request a change” on the order, or write the new address or time here: the shop confirms it and the courier gets the update.",
                handOver: false)
        case .whereIsIt:
            guard let facts, let answer = whereIs(facts, zh: zh) else { return handOver(intent, zh: zh) }
            return Reply(intent: intent, locale: locale, text: answer, handOver: false)
        case .unknown:
            return handOver(intent, zh: zh)
        }
    }

    static func handOver(_ intent: Intent, zh: Bool) -> Reply {
        Reply(
            intent: intent, locale: zh ? "zh-CN" : "en",
            text: zh
                ? "这个问题我暂时回答不了，已请店员来帮您，请稍候。"
                : "I can't answer that one, so I've asked the shop to help — someone will reply here shortly.",
            handOver: true)
    }

    /// "Where are my flowers": the state in words, and while out for delivery how far and when.
    static func whereIs(_ f: AssistantFacts, zh: Bool) -> String? {
        let window = [f.clock(f.windowStart), f.clock(f.windowEnd)].compactMap { $0 }.joined(separator: "–")
        switch f.state {
        case .placed, .confirmed:
            return zh
                ? "您的订单已确认，正在准备中，将于 \(window) 送达。" : "Your order is confirmed and being prepared; it will be delivered between \(window)."
        case .assigned, .accepted:
            return zh
                ? "骑手已接单，花束准备好后出发，预计 \(window) 送达。"
                : "A courier has the order and will set off once the flowers are ready; delivery between \(window)."
        case .pickedUp:
            return zh
                ? "骑手已取花，马上出发，预计 \(window) 送达。"
                : "The courier has picked up your flowers and is about to set off; delivery between \(window)."
        case .outForDelivery, .arriving:
            var parts: [String] = []
            if let d = f.distanceMeters {
                let distance = d >= 1000 ? String(format: "%.1f km", d / 1000) : "\(Int((d / 10).rounded() * 10)) m"
                parts.append(zh ? "骑手距离您约 \(distance)" : "the courier is about \(distance) away")
            }
            if let eta = f.etaSeconds, let at = f.etaAt {
                let minutes = max(1, Int((eta / 60).rounded()))
                parts.append(
                    zh ? "预计 \(f.clock(at) ?? "") 送达（约 \(minutes) 分钟）" : "expected at \(f.clock(at) ?? "") (in about \(minutes) min)")
            }
            let lead =
                f.state == .arriving ? (zh ? "骑手马上就到" : "Your courier is almost there") : (zh ? "您的花正在路上" : "Your flowers are on the way")
            return parts.isEmpty
                ? lead + (zh ? "。" : ".") : lead + (zh ? "：" : ": ") + parts.joined(separator: zh ? "，" : ", ") + (zh ? "。" : ".")
        case .delivered, .completed:
            let at = f.clock(f.deliveredAt).map { zh ? "于 \($0) " : " at \($0)" } ?? ""
            return zh ? "您的花已\(at)送达。" : "Your flowers were delivered\(at)."
        case .cancelled, .failed, .returned:
            return nil  // a person explains that
        }
    }
}
