import Foundation

/// The JSON coders every Posy module uses, so dates and key order are the same everywhere.
public enum JSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        if let hand = value as? any HandEncodable {
            var w = HandJSONWriter()
            try hand.write(to: &w)
            return Data(w.bytes)
        }
        return try encoder.encode(value)
    }

    public static func decode<T: Decodable>(_: T.Type, from data: Data) throws -> T {
        if let hand = T.self as? any HandDecodable.Type, let value = hand.readPlain(data) as? T {
            return value
        }
        return try decoder.decode(T.self, from: data)
    }

    // One of each, shared: a coder's options are fixed here and each call encodes or decodes on
    // its own state, so making a coder per call (an allocation or two, on every request) buys nothing.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private static let decoder = JSONDecoder()

    /// `s` as a JSON string literal, quotes included.
    public static func quoted(_ s: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count + 2)
        EnvelopeCodec.appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal, quotes included, to `out`.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        EnvelopeCodec.appendString(s, to: &out)
    }

    /// Encodes or returns `{}` (for values that cannot fail to encode).
    public static func encodeOrEmpty<T: Encodable>(_ value: T) -> Data {
        (try? encode(value)) ?? Data("{}".utf8)
    }
}
