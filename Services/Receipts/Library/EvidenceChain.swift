import Crypto
import Foundation
import PosySchema
import PosyStore

/// Per-order hash chains over `evidence` in `receipts.db` (issue 4). A record's hash covers the
/// previous record's hash and the record's canonical JSON exactly as stored, so changing any stored
/// byte — of a body, a hash or the order of records — breaks verification from that record on.
public enum EvidenceChain {
    /// Canonical JSON: sorted keys, no insignificant whitespace, slashes unescaped (``JSON/encode(_:)``).
    public static func canonical<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSON.encode(value), as: UTF8.self)
    }

    public static func hash(prev: String, body: String) -> String {
        var h = SHA256()
        h.update(data: Data(prev.utf8))
        h.update(data: Data("\n".utf8))
        h.update(data: Data(body.utf8))
        return Hex.encode(h.finalize())
    }

    /// Appends a record to `orderId`'s chain inside the caller's write; returns it.
    @discardableResult
    public static func append<T: Encodable>(_ db: SQLiteConnection, orderId: String, kind: String, at: String, _ value: T) throws
        -> EvidenceRecord
    {
        let body = try canonical(value)
        let last = try db.queryOne("SELECT n, hash FROM evidence WHERE order_id = ? ORDER BY n DESC LIMIT 1", orderId)
        let n = Int(last?.int(0) ?? 0) + 1
        let prev = last?.string(1) ?? ""
        let record = EvidenceRecord(orderId: orderId, n: n, kind: kind, at: at, body: body, prevHash: prev,
                                    hash: hash(prev: prev, body: body))
        try db.run("INSERT INTO evidence(order_id, n, kind, at, body, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
                   orderId, n, kind, at, body, prev, record.hash)
        return record
    }

    public static func records(_ db: SQLiteConnection, orderId: String) throws -> [EvidenceRecord] {
        try db.query("SELECT n, kind, at, body, prev_hash, hash FROM evidence WHERE order_id = ? ORDER BY n", orderId).map {
            EvidenceRecord(orderId: orderId, n: Int($0.int(0)!), kind: $0.string(1) ?? "", at: $0.string(2) ?? "",
                           body: $0.string(3) ?? "", prevHash: $0.string(4) ?? "", hash: $0.string(5) ?? "")
        }
    }

    /// Re-hashes `records` in order and names the first that does not match.
    public static func verify(orderId: String, _ records: [EvidenceRecord]) -> ChainVerification {
        var prev = ""
        for (i, r) in records.enumerated() {
            let mismatch: String? =
                if r.n != i + 1 { "record \(i + 1) is missing (found n = \(r.n))" }
                else if r.prevHash != prev { "its prevHash is not the hash of record \(i)" }
                else if hash(prev: prev, body: r.body) != r.hash { "its hash does not match its body" }
                else if (try? JSON.decode(JSONValue.self, from: Data(r.body.utf8))) == nil { "its body is not JSON" }
                else { nil }
            if let mismatch {
                return ChainVerification(orderId: orderId, ok: false, records: records.count, head: records.last?.hash,
                                         firstMismatch: .init(n: r.n, kind: r.kind, reason: mismatch))
            }
            prev = r.hash
        }
        return ChainVerification(orderId: orderId, ok: true, records: records.count, head: records.last?.hash, firstMismatch: nil)
    }
}
