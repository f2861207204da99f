import Foundation

/// Unpadded base64url (RFC 4648 §5), as JWTs, signed links and Web Push keys write bytes.
public enum Base64URL {
    public static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes canonical unpadded base64url only: the alphabet `A–Z a–z 0–9 - _`, no `=`, and
    /// encoding the result again gives the same text (no stray trailing bits).
    public static func decode(_ text: some StringProtocol) -> Data? {
        guard text.utf8.count % 4 != 1,
            text.utf8.allSatisfy({ b in
                (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b) || (0x30...0x39).contains(b) || b == 0x2d || b == 0x5f
            })
        else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        guard let data = Data(base64Encoded: s), encode(data) == text else { return nil }
        return data
    }
}
