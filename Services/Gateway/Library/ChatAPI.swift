import Foundation
import Hummingbird
import PosySchema

/// `/v1/conversations…` and `/v1/sync`: forwarded to the messaging shard the
/// conversation id names, which authorises against its own membership (404 for non-participants).
struct ChatAPI {
    struct SeqInput: Codable { var seq: Int64 }
    struct DirectInput: Codable { var courierId: String? }

    let api: APIContext

    func addRoutes(to routes: RouterGroup<AuthenticatedContext>) {
        let api = api
        let chat = ChatGateway(api: api)
        routes.get("v1/conversations") { _, context in
            JSONReply(try JSON.encode(try await chat.conversations(context.viewer)))
        }
        routes.post("v1/conversations") { request, context in
            let input = try await request.decode(as: DirectInput.self, context: context)
            let direct = try await api.backend.call(
                OrdersRPC.directConversation, OrdersRPC.DirectRequest(courierId: input.courierId), as: context.viewer, retries: 1)
            return JSONReply(
                try await chat.call(
                    direct.conversationId, MessagingRPC.conversation,
                    MessagingRPC.ConversationRef(conversationId: direct.conversationId), as: context.viewer, retries: 1))
        }
        routes.get("v1/conversations/{id}") { _, context in
            let id = try context.parameters.require("id")
            return JSONReply(
                try await chat.call(
                    id, MessagingRPC.conversation, MessagingRPC.ConversationRef(conversationId: id), as: context.viewer, retries: 1))
        }
        routes.get("v1/conversations/{id}/messages") { request, context in
            let id = try context.parameters.require("id")
            let q = request.uri.queryParameters
            func number(_ name: String) throws -> Int64? {
                guard let text = q.get(name) else { return nil }
                guard let n = Int64(text) else { throw PosyError(.invalidField, "\(name): not a number") }
                return n
            }
            let list = MessagingRPC.ListRequest(
                conversationId: id, after: try number("after"), before: try number("before"),
                limit: try number("limit").map { Int(clamping: $0) })
            return JSONReply(try await chat.call(id, MessagingRPC.list, list, as: context.viewer, retries: 1))
        }
        routes.post("v1/conversations/{id}/messages") { request, context in
            let input = try await request.decode(as: MessageInput.self, context: context)
            let reply = try await chat.send(context.viewer, try context.parameters.require("id"), input)
            let duplicate = (try? JSON.decode(MessagingRPC.SendResult.self, from: reply))?.duplicate ?? false
            return JSONReply(reply, status: duplicate ? .ok : .created)
        }
        routes.post("v1/conversations/{id}/read") { request, context in
            let input = try await request.decode(as: SeqInput.self, context: context)
            return JSONReply(try await chat.ack(context.viewer, try context.parameters.require("id"), read: input.seq, delivered: nil))
        }
        routes.post("v1/conversations/{id}/delivered") { request, context in
            let input = try await request.decode(as: SeqInput.self, context: context)
            return JSONReply(try await chat.ack(context.viewer, try context.parameters.require("id"), read: nil, delivered: input.seq))
        }
        routes.post("v1/conversations/{id}/messages/{seq}/recall") { _, context in
            guard let seq = Int64(try context.parameters.require("seq")) else { throw PosyError(.notFound, "no such message") }
            return JSONReply(try await chat.recall(context.viewer, try context.parameters.require("id"), seq: seq))
        }
        routes.get("v1/sync") { request, context in
            let q = request.uri.queryParameters
            guard let limit = q.get("limit").map({ Int($0) }) ?? 500 else { throw PosyError(.invalidField, "limit: not a number") }
            let since = q.get("since").flatMap { $0.isEmpty ? nil : $0 }
            return JSONReply(try JSON.encode(try await chat.sync(context.viewer, since: since, limit: limit)))
        }
    }
}
