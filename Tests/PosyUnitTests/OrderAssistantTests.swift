import Foundation
import PosySchema
import Testing

@testable import PosyMessaging

/// The order assistant: which question a message asks, in Chinese and English, and what
/// it answers from what the customer may know.
@Suite struct OrderAssistantTests {
    /// Out for delivery, 1.2 km away, 9 minutes: 11:31 in Shanghai.
    static let out = AssistantFacts(
        state: .outForDelivery, windowStart: "2027-01-15T02:00:00Z", windowEnd: "2027-01-15T04:00:00Z",
        timeZone: "Asia/Shanghai", distanceMeters: 1_230, etaSeconds: 540, etaAt: "2027-01-15T03:31:00Z")

    static let table: [(String, OrderAssistant.Intent, String)] = [
        ("where are my flowers?", .whereIsIt, "en"),
        ("Where are my flowers", .whereIsIt, "en"),
        ("when will it arrive", .whereIsIt, "en"),
        ("When will they arrive?", .whereIsIt, "en"),
        ("how long until the delivery", .whereIsIt, "en"),
        ("what's the ETA?", .whereIsIt, "en"),
        ("is it on the way?", .whereIsIt, "en"),
        ("still waiting for my order...", .whereIsIt, "en"),
        ("has it been delivered yet", .whereIsIt, "en"),
        ("花到哪了", .whereIsIt, "zh-CN"),
        ("我的花到哪了？", .whereIsIt, "zh-CN"),
        ("什么时候到", .whereIsIt, "zh-CN"),
        ("还要多久？", .whereIsIt, "zh-CN"),
        ("几点能送到", .whereIsIt, "zh-CN"),
        ("怎么还没到", .whereIsIt, "zh-CN"),
        ("骑手在哪里", .whereIsIt, "zh-CN"),
        ("can I change the address?", .change, "en"),
        ("I need to reschedule the delivery", .change, "en"),
        ("can it come at a different time", .change, "en"),
        ("我想改地址", .change, "zh-CN"),
        ("可以改时间吗", .change, "zh-CN"),
        ("能推迟一点送吗", .change, "zh-CN"),
        ("I want to talk to a human", .human, "en"),
        ("agent please", .human, "en"),
        ("can I speak to someone at the shop", .human, "en"),
        ("人工", .human, "zh-CN"),
        ("转人工客服", .human, "zh-CN"),
        ("who sent me these flowers?", .unknown, "en"),
        ("what is the recipient's phone number", .unknown, "en"),
        ("do you sell orchids", .unknown, "en"),
        ("could you tell me more about the card?", .unknown, "en"),
        ("谁送的花？", .unknown, "zh-CN"),
        ("你们有玫瑰吗", .unknown, "zh-CN"),
    ]

    @Test func everyPhrasingIsUnderstoodInItsLanguageAndTheRestHandedOver() {
        #expect(Self.table.filter { $0.1 != .unknown }.count >= 20)
        for (text, intent, locale) in Self.table {
            let reply = OrderAssistant.reply(to: text, facts: Self.out)
            #expect(reply.intent == intent, "\(text)")
            #expect(reply.locale == locale, "\(text)")
            #expect(reply.handOver == (intent == .human || intent == .unknown), "\(text)")
            let chinese = reply.text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
            #expect(chinese == (locale == "zh-CN"), "\(text) → \(reply.text)")
        }
    }

    @Test func chatBetweenPeopleIsLeftAlone() {
        for text in ["thank you!", "the side door, please", "ok", "好的，谢谢", "more details about the card please"] {
            #expect(!OrderAssistant.answers(text), "\(text)")
        }
        #expect(Self.table.allSatisfy { OrderAssistant.answers($0.0) })
        // Handed over to a person: only what it understands; other questions wait for the person.
        #expect(!OrderAssistant.answers("Are the peonies on their way?", handedOver: true))
        #expect(OrderAssistant.answers("Are the peonies on their way?"))
        #expect(OrderAssistant.answers("where are my flowers?", handedOver: true))
    }

    @Test func whereIsItAnswersWithTheStateDistanceAndETA() {
        #expect(
            OrderAssistant.reply(to: "where are my flowers?", facts: Self.out).text
                == "Your flowers are on the way: the courier is about 1.2 km away, expected at 11:31 (in about 9 min).")
        #expect(OrderAssistant.reply(to: "花到哪了", facts: Self.out).text == "您的花正在路上：骑手距离您约 1.2 km，预计 11:31 送达（约 9 分钟）。")
        var confirmed = Self.out
        confirmed.state = .confirmed
        #expect(
            OrderAssistant.reply(to: "when will it arrive", facts: confirmed).text
                == "Your order is confirmed and being prepared; it will be delivered between 10:00–12:00.")
        var delivered = Self.out
        delivered.state = .delivered
        delivered.deliveredAt = "2027-01-15T03:40:00Z"
        #expect(OrderAssistant.reply(to: "什么时候到", facts: delivered).text == "您的花已于 11:40 送达。")
        // Without facts (posy-orders did not answer) or for an order that went wrong: a person answers.
        #expect(OrderAssistant.reply(to: "where are my flowers", facts: nil).handOver)
        var failed = Self.out
        failed.state = .failed
        #expect(OrderAssistant.reply(to: "where are my flowers", facts: failed).handOver)
    }

    @Test func itNeverSaysWhatTheCustomerMayNotSee() {
        // Whatever is asked, the answers come from the facts alone: no names, no phones.
        for (text, _, _) in Self.table {
            let reply = OrderAssistant.reply(to: text, facts: Self.out).text
            #expect(!reply.contains("+") && !reply.contains("Admirer"), "\(text) → \(reply)")
        }
    }

    @Test func phrasesAreFoundByteForByte() {
        let text = Array("我的花到哪了？ where are they".utf8)
        #expect(OrderAssistant.occurs("到哪", in: text))
        #expect(OrderAssistant.occurs("？", in: text))
        #expect(OrderAssistant.occurs("they", in: text))
        #expect(!OrderAssistant.occurs("they!", in: text))
        #expect(!OrderAssistant.occurs("在哪", in: text))
        #expect(OrderAssistant.occurs("", in: []))
        #expect(!OrderAssistant.occurs("a", in: []))
        #expect(OrderAssistant.isQuestion("谁送的") && OrderAssistant.isQuestion("ok?") && !OrderAssistant.isQuestion("thanks!"))
    }
}
