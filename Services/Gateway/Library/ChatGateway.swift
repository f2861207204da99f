import Foundation
import PosyAccess
import PosyCore
import PosySchema

/// The gateway's side of chat, shared by the HTTP routes and the stream's frames: a
/// conversation's calls go to the shard its id names; the caller's conversation list and sync
/// go to every messaging shard and are merged.
struct ChatGateway: Sendable {
    let api: APIContext

    /// The shard instance of a conversation id; `not_found` for an id that names none.
    static func shard(_ conversationId: String) throws -> String {
        guard let instance = MessagingRPC.instance(of: conversationId) else {
            throw PosyError(.notFound, "no conversation \(conversationId)")
        }
        return instance
    }

    func call<Request: Encodable & Sendable, Reply: Sendable>(
        _ conversationId: String, _ method: RPC<Request, Reply>, _ request: Request, as viewer: Viewer, retries: Int = 0
    ) async throws -> Data {
        try await api.call(method, request, as: viewer, on: try Self.shard(conversationId), retries: retries)
    }

    func send(_ viewer: Viewer, _ conversationId: String, _ input: MessageInput) async throws -> Data {
        // Retrying is safe: the shard returns the first message for a repeated clientMsgId.
        try await call(
            conversationId, MessagingRPC.send, MessagingRPC.SendRequest(conversationId: conversationId, message: input), as: viewer,
            retries: 1)
    }

    func ack(_ viewer: Viewer, _ conversationId: String, read: Int64?, delivered: Int64?) async throws -> Data {
        try await call(
            conversationId, MessagingRPC.ack,
            MessagingRPC.AckRequest(conversationId: conversationId, read: read, delivered: delivered), as: viewer, retries: 1)
    }

    func recall(_ viewer: Viewer, _ conversationId: String, seq: Int64) async throws -> Data {
        try await call(
            conversationId, MessagingRPC.recall, MessagingRPC.SeqRequest(conversationId: conversationId, seq: seq), as: viewer,
            retries: 1)
    }

    func callSignal(_ viewer: Viewer, _ conversationId: String, _ signal: CallSignal) async throws -> Data {
        try await call(
            conversationId, MessagingRPC.callSignal, MessagingRPC.CallRequest(conversationId: conversationId, signal: signal),
            as: viewer)
    }

    func typing(_ viewer: Viewer, _ conversationId: String) async throws -> Data {
        try await call(conversationId, MessagingRPC.typing, MessagingRPC.ConversationRef(conversationId: conversationId), as: viewer)
    }

    /// The messaging shards alive now (by heartbeat), by instance name.
    var liveShards: [String] {
        api.backend.liveInstances(of: ServiceName.messaging)
    }

    struct ConversationList: Encodable {
        var items: [ConversationSummary]
        /// Shards that did not answer: their conversations are missing from `items`.
        var unavailable: [String]
    }

    /// Every conversation of the caller on every live shard, most recent activity first.
    func conversations(_ viewer: Viewer) async throws -> ConversationList {
        let shards = liveShards
        let results = await withTaskGroup(of: (String, [ConversationSummary]?).self) { group in
            for shard in shards {
                group.addTask {
                    let data = try? await api.call(MessagingRPC.conversations, EmptyBody(), as: viewer, on: shard, retries: 1)
                    return (shard, data.flatMap { try? JSON.decode([ConversationSummary].self, from: $0) })
                }
            }
            return await group.reduce(into: [(String, [ConversationSummary]?)]()) { $0.append($1) }
        }
        let items = results.flatMap { $0.1 ?? [] }.sorted {
            ($0.lastMessage?.at ?? "", $0.id) > ($1.lastMessage?.at ?? "", $1.id)
        }
        return ConversationList(items: items, unavailable: results.filter { $0.1 == nil }.map(\.0).sorted())
    }

    /// What changed for the caller since `token`, from every shard the token or the heartbeats name.
    /// A shard that does not answer keeps its place in the next token and is listed as unavailable.
    func sync(_ viewer: Viewer, since token: String?, limit: Int) async throws -> SyncPage {
        guard (1...1_000).contains(limit) else { throw PosyError(.invalidField, "limit: 1…1000") }
        var positions = try token.map(SyncToken.init(text:)) ?? SyncToken()
        let shards = Set(liveShards).union(positions.shards.keys).sorted()
        let results = await withTaskGroup(of: (String, Result<MessagingRPC.ShardSync, any Error>).self) { group in
            for shard in shards {
                let at = positions.shards[shard]
                group.addTask {
                    do {
                        let data = try await api.call(
                            MessagingRPC.sync,
                            MessagingRPC.SyncRequest(epoch: at?.epoch, after: at?.pos ?? 0, limit: limit), as: viewer,
                            on: shard, retries: 1)
                        return (shard, .success(try JSON.decode(MessagingRPC.ShardSync.self, from: data)))
                    } catch {
                        return (shard, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [String: Result<MessagingRPC.ShardSync, any Error>]()) { $0[$1.0] = $1.1 }
        }
        var changes: [SyncChange] = []
        var more = false
        var unavailable: [String] = []
        var reset: [String] = []
        for shard in shards {
            switch results[shard] {
            case .success(let s):
                changes += s.changes
                more = more || s.more
                if s.reset { reset.append(shard) }
                positions.shards[shard] = .init(epoch: s.epoch, pos: s.pos)
            case .failure(let e as PosyError) where e.code != .unavailable && e.code != .timeout:
                throw e
            default:
                unavailable.append(shard)
            }
        }
        return SyncPage(changes: changes, next: positions.text, more: more, unavailable: unavailable, reset: reset)
    }
}
