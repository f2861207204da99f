import Crypto
import Foundation
import PosySchema

/// How a webhook delivery is signed, the way Stripe and Onfleet do it: the header
/// `Posy-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. A receiver
/// recomputes the HMAC over the timestamp, a dot and the raw body, compares in constant time, and
/// refuses timestamps too far from its clock (replays).
public enum WebhookSignature {
    public static let header = "Posy-Signature"

    public static func sign(body: Data, secret: String, at: Int64) -> String {
        var signed = Data("\(at).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(at),v1=\(Hex.encode(Data(mac)))"
    }

    /// Checks a header against the body and secret, and that `t` is within `tolerance` of `now`.
    public static func verify(header: String, body: Data, secret: String, now: Int64, tolerance: Int64 = 300) -> Bool {
        var t: Int64?
        var v1: [String] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            if kv[0] == "t" { t = Int64(kv[1]) } else if kv[0] == "v1" { v1.append(kv[1]) }
        }
        guard let t, abs(now - t) <= tolerance else { return false }
        let expected = sign(body: body, secret: secret, at: t).split(separator: "=").last.map(String.init) ?? ""
        return v1.contains { constantTimeEqual($0, expected) }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
