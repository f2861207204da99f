import Foundation
import Hummingbird
import PosySchema

/// `/v1/conversations…` and `/v1/sync`: forwarded to the messaging shard the
/// conversation id names, which authorises against its own membership (404 for non-participants).
enum ChatAPI {
    struct SeqInput: Codable { var seq: Int64 }
    struct DirectInput: Codable { var courierId: String? }

    static func register(on router: RouteTable, api: APIContext) {
        let chat = ChatGateway(api: api)
        router.get("v1/conversations") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                return APIContext.json(try JSON.encode(try await chat.conversations(caller)))
            }
        }
        router.post("v1/conversations") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let input = try await api.body(request, as: DirectInput.self)
                let direct = try JSON.decode(
                    OrdersRPC.DirectConversation.self,
                    from: try await api.call(
                        OrdersRPC.directConversation, OrdersRPC.DirectRequest(caller: caller, courierId: input.courierId),
                        retries: 1))
                return APIContext.json(
                    try await chat.call(
                        direct.conversationId, MessagingRPC.conversation,
                        MessagingRPC.ConversationRef(caller: caller, conversationId: direct.conversationId),
                        retries: 1))
            }
        }
        router.get("v1/conversations/{id}") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                return APIContext.json(
                    try await chat.call(
                        id, MessagingRPC.conversation,
                        MessagingRPC.ConversationRef(caller: caller, conversationId: id), retries: 1))
            }
        }
        router.get("v1/conversations/{id}/messages") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let q = request.uri.queryParameters
                func number(_ name: String) throws -> Int64? {
                    guard let text = q.get(name) else { return nil }
                    guard let n = Int64(text) else { throw PosyError(.invalidField, "\(name): not a number") }
                    return n
                }
                let limit = try number("limit").map { Int(clamping: $0) }
                return APIContext.json(
                    try await chat.call(
                        id, MessagingRPC.list,
                        MessagingRPC.ListRequest(
                            caller: caller, conversationId: id, after: try number("after"), before: try number("before"), limit: limit),
                        retries: 1))
            }
        }
        router.post("v1/conversations/{id}/messages") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let input = try await api.body(request, as: MessageInput.self)
                let reply = try await chat.send(caller, id, input)
                let duplicate = (try? JSON.decode(MessagingRPC.SendResult.self, from: reply))?.duplicate ?? false
                return APIContext.json(reply, status: duplicate ? .ok : .created)
            }
        }
        router.post("v1/conversations/{id}/read") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let input = try await api.body(request, as: SeqInput.self)
                return APIContext.json(try await chat.ack(caller, id, read: input.seq, delivered: nil))
            }
        }
        router.post("v1/conversations/{id}/delivered") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                let input = try await api.body(request, as: SeqInput.self)
                return APIContext.json(try await chat.ack(caller, id, read: nil, delivered: input.seq))
            }
        }
        router.post("v1/conversations/{id}/messages/{seq}/recall") { request, context in
            await api.handle {
                let caller = try api.caller(request)
                let id = try context.parameters.require("id")
                guard let seq = Int64(try context.parameters.require("seq")) else { throw PosyError(.notFound, "no such message") }
                return APIContext.json(try await chat.recall(caller, id, seq: seq))
            }
        }
        router.get("v1/sync") { request, _ in
            await api.handle {
                let caller = try api.caller(request)
                let q = request.uri.queryParameters
                guard let limit = q.get("limit").map({ Int($0) }) ?? 500 else { throw PosyError(.invalidField, "limit: not a number") }
                let since = q.get("since").flatMap { $0.isEmpty ? nil : $0 }
                return APIContext.json(try JSON.encode(try await chat.sync(caller, since: since, limit: limit)))
            }
        }
    }
}
