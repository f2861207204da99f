import Foundation
import PosySchema

/// The opaque `since` token of `GET /v1/sync`: each messaging shard's epoch and change position,
/// as base64url of `messaging-1=<epoch>:<pos>;messaging-2=…`.
struct SyncToken: Equatable {
    struct Position: Equatable {
        var epoch: String
        var pos: Int64
    }

    var shards: [String: Position] = [:]

    init() {}

    init(text: String) throws {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard text.count <= 4_096, let data = Data(base64Encoded: b64), let plain = String(data: data, encoding: .utf8) else {
            throw PosyError(.badRequest, "since: not a token this API gave out")
        }
        for part in plain.split(separator: ";") where !part.isEmpty {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, MessagingRPC.instance(of: "m" + kv[0].dropFirst("messaging-".count) + "-x") == String(kv[0]),
                let colon = kv[1].lastIndex(of: ":"), let pos = Int64(kv[1][kv[1].index(after: colon)...]), pos >= 0
            else { throw PosyError(.badRequest, "since: not a token this API gave out") }
            shards[String(kv[0])] = Position(epoch: String(kv[1][..<colon]), pos: pos)
        }
    }

    var text: String {
        let plain = shards.keys.sorted().map { "\($0)=\(shards[$0]!.epoch):\(shards[$0]!.pos)" }.joined(separator: ";")
        return Data(plain.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
