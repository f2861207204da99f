import Foundation
import PosySchema
import Testing

/// Base64url by hand (RFC 4648 §5, unpadded), checked against the RFC's test vectors and against
/// Foundation's base64 on random bytes.
@Suite struct Base64URLTests {
    /// RFC 4648 §10, padding removed.
    static let vectors = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test func theRFCsVectors() {
        for (plain, coded) in Self.vectors {
            #expect(Base64URL.encode(Data(plain.utf8)) == coded)
            #expect(Base64URL.decode(coded) == Data(plain.utf8))
        }
        // The two characters where base64url differs from base64.
        #expect(Base64URL.encode(Data([0xfb, 0xff])) == "-_8")
        #expect(Base64URL.decode("-_8") == Data([0xfb, 0xff]))
    }

    @Test func agreesWithFoundationOnRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let data = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let expected = data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(data) == expected)
            #expect(Base64URL.decode(expected) == data)
            #expect(Base64URL.decode(Substring(expected)) == data)
        }
    }

    @Test func onlyCanonicalUnpaddedTextIsRead() {
        for bad in ["Z", "Zm9vY", "Zg==", "Zm8=", "Zm+v", "Zm/v", "Zm9v Yg", "Zm9\u{e9}", "Zh", "Zm9", "Zm8\n"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
        // Stray bits after the last byte: "Zh" and "Zm9" would decode to "f" and "fo" in a lax reader.
        #expect(Base64URL.decode("Zg") == Data("f".utf8))
        #expect(Base64URL.decode("Zm8") == Data("fo".utf8))
    }
}
