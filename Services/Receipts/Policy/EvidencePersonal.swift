@preconcurrency import Crypto
import Foundation
import PosySchema
import PosyStore

/// The personal values an order's evidence records commit to, kept apart from the records
/// (docs/architecture.md, "Privacy"). A record's body holds `{"commitment": hex}` where a personal
/// field was — hex = SHA-256 over a random salt and the value's canonical JSON — so the chain's hashes
/// never cover the value itself. Erasing deletes the value and its salt and notes the erasure; the
/// chain still verifies, and the field reads as erased, never as tampered with.
public struct EvidencePersonal: Sendable {
    /// Members of a record with these names are personal wherever they occur: positions, names,
    /// descriptions of a place, notes.
    public static let keys: Set<String> = ["lat", "lon", "accuracy", "name", "description", "recipientName", "note"]

    public struct Value: Sendable, Equatable {
        public var json: String
        public var salt: String
    }

    /// `n|path` → the value and its salt.
    public var values: [String: Value] = [:]
    /// `n|path` → the erasure that removed it.
    public var erasures: [String: ChainVerification.ErasedField] = [:]

    public init() {}

    static func key(_ n: Int, _ path: String) -> String { "\(n)|\(path)" }

    /// Everything kept for `orderId`'s records.
    public static func load(_ db: SQLiteConnection, orderId: String) throws -> EvidencePersonal {
        var p = EvidencePersonal()
        for r in try db.query("SELECT n, path, value, salt FROM evidence_personal WHERE order_id = ?", orderId) {
            p.values[key(Int(r.int(0) ?? 0), r.string(1) ?? "")] = Value(json: r.string(2) ?? "", salt: r.string(3) ?? "")
        }
        for r in try db.query("SELECT n, path, at, request_id FROM evidence_erasures WHERE order_id = ?", orderId) {
            let n = Int(r.int(0) ?? 0)
            let path = r.string(1) ?? ""
            p.erasures[key(n, path)] = .init(n: n, field: path, at: r.string(2) ?? "", requestId: r.string(3) ?? "")
        }
        return p
    }

    /// The commitment to `json` under `salt` (hex).
    public static func commitment(json: String, salt: String) -> String {
        var h = SHA256()
        h.update(data: Data(salt.utf8))
        h.update(data: Data("\n".utf8))
        h.update(data: Data(json.utf8))
        return Hex.encode(h.finalize())
    }

    /// `value` with every personal member replaced by its commitment; the values, salts and paths.
    static func commit(_ value: JSONValue) -> (JSONValue, [(path: String, json: String, salt: String)]) {
        var out: [(path: String, json: String, salt: String)] = []
        func walk(_ v: JSONValue, _ path: String) -> JSONValue {
            switch v {
            case .object(let o):
                var r: [String: JSONValue] = [:]
                for (k, child) in o {
                    let p = path + "/" + k
                    if keys.contains(k), child != .null, let json = try? EvidenceChain.canonical(child) {
                        let salt = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
                        out.append((p, json, salt))
                        r[k] = .object(["commitment": .string(commitment(json: json, salt: salt))])
                    } else {
                        r[k] = walk(child, p)
                    }
                }
                return .object(r)
            case .array(let a): return .array(a.enumerated().map { walk($0.element, path + "/\($0.offset)") })
            default: return v
            }
        }
        return (walk(value, ""), out)
    }

    /// Calls `visit` with the path and commitment of every committed field in `body`.
    static func commitments(in body: JSONValue, _ visit: (String, String) -> Void) {
        func walk(_ v: JSONValue, _ path: String) {
            switch v {
            case .object(let o):
                if o.count == 1, case .string(let c)? = o["commitment"] {
                    visit(path, c)
                    return
                }
                for (k, child) in o { walk(child, path + "/" + k) }
            case .array(let a): for (i, child) in a.enumerated() { walk(child, path + "/\(i)") }
            default: break
            }
        }
        walk(body, "")
    }

    /// `record`'s body with its values put back where they are kept (null where erased).
    public func opened(_ record: EvidenceRecord) -> String {
        guard record.body.contains("\"commitment\""), let body = try? JSON.decode(JSONValue.self, from: Data(record.body.utf8)) else {
            return record.body
        }
        func walk(_ v: JSONValue, _ path: String) -> JSONValue {
            switch v {
            case .object(let o):
                if o.count == 1, case .string? = o["commitment"] {
                    guard let kept = values[Self.key(record.n, path)],
                        let value = try? JSON.decode(JSONValue.self, from: Data(kept.json.utf8))
                    else { return .null }
                    return value
                }
                return .object(o.reduce(into: [:]) { $0[$1.key] = walk($1.value, path + "/" + $1.key) })
            case .array(let a): return .array(a.enumerated().map { walk($0.element, path + "/\($0.offset)") })
            default: return v
            }
        }
        return (try? EvidenceChain.canonical(walk(body, ""))) ?? record.body
    }

    /// Holds every commitment in `records` against the kept value, or an erasure of it: the first
    /// that has neither or does not match, and the erased fields.
    func check(_ records: [EvidenceRecord]) -> (mismatch: ChainVerification.Mismatch?, erased: [ChainVerification.ErasedField]) {
        var erased: [ChainVerification.ErasedField] = []
        for r in records where r.body.contains("\"commitment\"") {
            guard let body = try? JSON.decode(JSONValue.self, from: Data(r.body.utf8)) else { continue }
            var mismatch: ChainVerification.Mismatch?
            Self.commitments(in: body) { path, c in
                guard mismatch == nil else { return }
                let k = Self.key(r.n, path)
                if let kept = values[k] {
                    if Self.commitment(json: kept.json, salt: kept.salt) != c {
                        mismatch = .init(n: r.n, kind: r.kind, reason: "the kept value of \(path) does not match its commitment")
                    }
                } else if var e = erasures[k] {
                    e.kind = r.kind
                    erased.append(e)
                } else {
                    mismatch = .init(n: r.n, kind: r.kind, reason: "the value of \(path) is missing and no erasure records it")
                }
            }
            if let mismatch { return (mismatch, erased) }
        }
        return (nil, erased.sorted { ($0.n, $0.field) < ($1.n, $1.field) })
    }
}
