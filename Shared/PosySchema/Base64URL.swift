import Foundation

/// Unpadded base64url (RFC 4648 §5), as JWTs, signed links and Web Push keys write bytes. Written
/// out by hand: every request's token is decoded with it, and Foundation's route through padded
/// base64 and string replacement cost the gateway a twentieth of its CPU at a stream's start
/// (docs/performance.md, "Location").
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Each byte's value in the alphabet, 0xff where it is none.
    static let values: [UInt8] = {
        var v = [UInt8](repeating: 0xff, count: 256)
        for (i, c) in alphabet.enumerated() { v[Int(c)] = UInt8(i) }
        return v
    }()

    public static func encode(_ data: some DataProtocol) -> String {
        let bytes = Array(data)
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
        default: break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes canonical unpadded base64url only: the alphabet `A–Z a–z 0–9 - _`, no `=`, and
    /// encoding the result again gives the same text (no stray trailing bits).
    public static func decode(_ text: some StringProtocol) -> Data? {
        let count = text.utf8.count
        guard count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(count * 3 / 4)
        var n: UInt32 = 0
        var held = 0
        for c in text.utf8 {
            let v = values[Int(c)]
            guard v != 0xff else { return nil }
            n = n << 6 | UInt32(v)
            held += 1
            if held == 4 {
                out.append(UInt8(n >> 16))
                out.append(UInt8(n >> 8 & 0xff))
                out.append(UInt8(n & 0xff))
                n = 0
                held = 0
            }
        }
        switch held {
        case 2:
            // 12 bits for one byte: the last 4 must be zero.
            guard n & 0xf == 0 else { return nil }
            out.append(UInt8(n >> 4))
        case 3:
            // 18 bits for two bytes: the last 2 must be zero.
            guard n & 0x3 == 0 else { return nil }
            out.append(UInt8(n >> 10))
            out.append(UInt8(n >> 2 & 0xff))
        default: break
        }
        return Data(out)
    }
}
