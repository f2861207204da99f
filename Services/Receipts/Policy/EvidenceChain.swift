import Crypto
import Foundation
import PosySchema
import PosyStore

/// Per-order hash chains over `evidence` in `receipts.db`. A record's hash covers the previous
/// record's hash and the record's canonical JSON exactly as stored, so changing any stored byte — of
/// a body, a hash or the order of records — breaks verification from that record on. Each chain's
/// head (count and last hash) is kept in `evidence_heads` with an ``EvidenceSeal``, so records cut
/// off the end are reported too.
public enum EvidenceChain {
    /// The sealed head of one chain.
    public struct Head: Sendable, Equatable {
        public var n: Int
        public var hash: String
        public var seal: String
    }

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

    /// Appends a record to `orderId`'s chain and seals the new head, inside the caller's write; returns it.
    @discardableResult
    public static func append<T: Encodable>(
        _ db: SQLiteConnection, seal: EvidenceSeal, orderId: String, kind: String, at: String,
        _ value: T
    ) throws -> EvidenceRecord {
        // Personal fields go in as commitments; their values and salts are kept beside the chain.
        let (committed, personal) = EvidencePersonal.commit(try JSON.decode(JSONValue.self, from: JSON.encode(value)))
        let body = try canonical(committed)
        let last = try db.queryOne("SELECT n, hash FROM evidence WHERE order_id = ? ORDER BY n DESC LIMIT 1", orderId)
        let n = Int(last?.int(0) ?? 0) + 1
        for p in personal {
            try db.run(
                "INSERT INTO evidence_personal(order_id, n, path, value, salt) VALUES (?,?,?,?,?)", orderId, n, p.path, p.json, p.salt)
        }
        let prev = last?.string(1) ?? ""
        let record = EvidenceRecord(
            orderId: orderId, n: n, kind: kind, at: at, body: body, prevHash: prev,
            hash: hash(prev: prev, body: body))
        try db.run(
            "INSERT INTO evidence(order_id, n, kind, at, body, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
            orderId, n, kind, at, body, prev, record.hash)
        try db.run(
            """
            INSERT INTO evidence_heads(order_id, n, hash, seal) VALUES (?,?,?,?)
            ON CONFLICT(order_id) DO UPDATE SET n = excluded.n, hash = excluded.hash, seal = excluded.seal
            """, orderId, n, record.hash, seal.seal(orderId: orderId, n: n, hash: record.hash))
        return record
    }

    public static func records(_ db: SQLiteConnection, orderId: String) throws -> [EvidenceRecord] {
        try db.query("SELECT n, kind, at, body, prev_hash, hash FROM evidence WHERE order_id = ? ORDER BY n", orderId).map {
            EvidenceRecord(
                orderId: orderId, n: Int($0.int(0)!), kind: $0.string(1) ?? "", at: $0.string(2) ?? "",
                body: $0.string(3) ?? "", prevHash: $0.string(4) ?? "", hash: $0.string(5) ?? "")
        }
    }

    public static func head(_ db: SQLiteConnection, orderId: String) throws -> Head? {
        try db.queryOne("SELECT n, hash, seal FROM evidence_heads WHERE order_id = ?", orderId).map {
            Head(n: Int($0.int(0) ?? 0), hash: $0.string(1) ?? "", seal: $0.string(2) ?? "")
        }
    }

    /// Seals the heads of chains that have none (a store from before heads were kept), once per
    /// store: a head row that goes missing later is then reported, not sealed again.
    @discardableResult
    public static func sealMissingHeads(_ db: SQLiteConnection, seal: EvidenceSeal) throws -> Int {
        guard try db.queryOne("SELECT 1 FROM meta WHERE key = 'evidence_heads_sealed'") == nil else { return 0 }
        let rows = try db.query(
            """
            SELECT e.order_id, e.n, e.hash FROM evidence e
            WHERE e.n = (SELECT MAX(n) FROM evidence WHERE order_id = e.order_id)
              AND NOT EXISTS (SELECT 1 FROM evidence_heads h WHERE h.order_id = e.order_id)
            """)
        for r in rows {
            let (order, n, hash) = (r.string(0)!, Int(r.int(1)!), r.string(2)!)
            try db.run(
                "INSERT INTO evidence_heads(order_id, n, hash, seal) VALUES (?,?,?,?)", order, n, hash,
                seal.seal(orderId: order, n: n, hash: hash))
        }
        try db.run("INSERT INTO meta(key, value) VALUES ('evidence_heads_sealed', '1')")
        return rows.count
    }

    /// Re-hashes `records` in order and names the first that does not match, then holds the end of
    /// the chain against its sealed `head` (the seal itself is checked when `seal` is given).
    /// With `personal`, every commitment is held against its kept value or an erasure of it.
    public static func verify(
        orderId: String, _ records: [EvidenceRecord], head: Head?, seal: EvidenceSeal?, personal: EvidencePersonal? = nil
    ) -> ChainVerification {
        func failed(_ n: Int, _ kind: String, _ reason: String) -> ChainVerification {
            ChainVerification(
                orderId: orderId, ok: false, records: records.count, head: records.last?.hash,
                firstMismatch: .init(n: n, kind: kind, reason: reason), sealChecked: seal != nil)
        }
        var prev = ""
        for (i, r) in records.enumerated() {
            let mismatch: String? =
                if r.n != i + 1 { "record \(i + 1) is missing (found n = \(r.n))" } else if r.prevHash != prev {
                    "its prevHash is not the hash of record \(i)"
                } else if hash(prev: prev, body: r.body) != r.hash {
                    "its hash does not match its body"
                } else if (try? JSON.decode(JSONValue.self, from: Data(r.body.utf8))) == nil { "its body is not JSON" } else { nil }
            if let mismatch { return failed(r.n, r.kind, mismatch) }
            prev = r.hash
        }
        guard let head else {
            if records.isEmpty { return ChainVerification(orderId: orderId, ok: true, records: 0, head: nil, firstMismatch: nil) }
            return failed(records.count, "head", "the chain has no sealed head, so records cut off its end would not show")
        }
        if let seal, !seal.isValid(head.seal, orderId: orderId, n: head.n, hash: head.hash) {
            return failed(head.n, "head", "the head's seal does not match: the head was changed without the suite's secret")
        }
        if records.count < head.n {
            return failed(
                records.count + 1, "missing", "records \(records.count + 1)…\(head.n) are missing: the sealed head counts \(head.n)")
        }
        if records.count > head.n {
            return failed(head.n + 1, records[head.n].kind, "the record is beyond the sealed head (\(head.n) records)")
        }
        if records.last?.hash != head.hash {
            return failed(head.n, records.last?.kind ?? "head", "its hash is not the sealed head's")
        }
        var verdict = ChainVerification(
            orderId: orderId, ok: true, records: records.count, head: records.last?.hash, firstMismatch: nil,
            sealChecked: seal != nil)
        if let personal {
            let (mismatch, erased) = personal.check(records)
            if let mismatch { return failed(mismatch.n, mismatch.kind, mismatch.reason) }
            verdict.erased = erased.isEmpty ? nil : erased
        }
        return verdict
    }
}
