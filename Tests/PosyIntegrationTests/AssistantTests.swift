import Foundation
import PosyCore
import PosySchema
import Testing

extension Integration {
    /// The order assistant in posy-messaging, through the gateway: it answers "where are my
    /// flowers" from posy-orders and posy-location in the asker's language, and hands over to the
    /// shop, which sees the conversation needs a person until a staff member writes.
    @Suite(.serialized) struct AssistantTests {
        @Test(.timeLimit(.minutes(3)))
        func theAssistantAnswersWhereTheFlowersAreAndHandsOverToTheShop() async throws {
            let suite = try SuiteTests.Suite("assistant")
            #expect(await suite.waitHealthy(), "healthz never 200:\n\(suite.up.log.suffix(3000))")
            let shop = try await ReceiptsAPITests.Shop(suite)
            let http = shop.http
            let id = try await shop.orderOutForDelivery()
            let conv = try #require(await http.request("GET", "/v1/orders/\(id)", token: shop.staff).json["conversationId"] as? String)
            // The courier's phone reports a position about 600 m from the recipient.
            #expect(
                await Harness.waitFor(.seconds(10)) {
                    await http.json(
                        "POST", "/v1/locations", token: shop.courier,
                        [
                            "positions": [
                                ["lat": 52.5208 + 0.0054, "lon": 13.4095, "accuracy": 5, "at": Timestamp.now()]
                            ]
                        ]
                    ).status == 200
                })

            func say(_ text: String, as token: String) async -> Bool {
                await http.json(
                    "POST", "/v1/conversations/\(conv)/messages", token: token,
                    ["clientMsgId": UUID().uuidString, "kind": "text", "text": text]
                ).status == 201
            }
            func assistant() async -> [String] {
                let page = await http.request("GET", "/v1/conversations/\(conv)/messages?limit=200", token: shop.customer).json
                return (page["messages"] as? [[String: Any]] ?? []).filter { $0["party"] as? String == "assistant" }.compactMap {
                    $0["text"] as? String
                }
            }
            func needsPerson(_ token: String) async -> String? {
                await http.request("GET", "/v1/conversations/\(conv)", token: token).json["needsPersonSince"] as? String
            }

            #expect(await say("花到哪了", as: shop.customer))
            #expect(await Harness.waitFor(.seconds(5), poll: .milliseconds(50)) { await assistant().count == 1 })
            let zh = try #require(await assistant().first)
            #expect(zh.hasPrefix("您的花正在路上：骑手距离您约 ") && zh.contains("预计"), "\(zh)")
            #expect(await say("when will it arrive?", as: shop.customer))
            #expect(await Harness.waitFor(.seconds(5), poll: .milliseconds(50)) { await assistant().count == 2 })
            let en = await assistant()[1]
            #expect(en.hasPrefix("Your flowers are on the way: the courier is about ") && en.contains("expected at"), "\(en)")
            let summary = await http.request("GET", "/v1/conversations/\(conv)", token: shop.customer).json
            #expect((summary["parties"] as? [String])?.contains("assistant") == true)

            // Chat between people is left alone; a question it cannot answer, or asking for a person, hands over.
            #expect(await say("thank you!", as: shop.customer))
            #expect(await say("人工", as: shop.customer))
            #expect(await Harness.waitFor(.seconds(5), poll: .milliseconds(50)) { await assistant().count == 3 })
            #expect(await assistant().last == "好的，已请店员来回复您，请稍候。")
            #expect(await needsPerson(shop.staff) != nil)
            #expect(await needsPerson(shop.customer) == nil, "only the shop sees the mark")
            #expect(await say("who sent these?", as: shop.customer))
            try await Task.sleep(for: .milliseconds(500))
            #expect(await assistant().count == 3, "already handed over: the question waits for the shop")
            #expect(await say("Hello Mei, this is Lily's — how can we help?", as: shop.staff))
            #expect(await needsPerson(shop.staff) == nil)
            let texts = await assistant().joined()
            #expect(!texts.contains("Mother") && !texts.contains("+49"))
            #expect(await suite.stop())
        }
    }
}
