import Foundation

/// Fast, strict JSON encoding and decoding of ``Envelope``.
///
/// Encoding writes the fields in the documented order with the payload bytes spliced in as they are.
/// Decoding accepts any key order (a pyzmq peer may write `{"data":…,"v":1,…}`), ignores unknown
/// keys, validates the whole document as JSON, and keeps the payload's bytes without parsing it
/// into values. Every failure is a ``SchemaError`` with code `bad_payload`.
public enum EnvelopeCodec {
    public static func encode(_ e: Envelope) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(e.data.count + 160 + e.src.utf8.count + e.type.utf8.count + e.trace.utf8.count)
        out.append(contentsOf: #"{"v":"#.utf8)
        out.append(contentsOf: String(e.v).utf8)
        out.append(contentsOf: #","src":"#.utf8)
        appendString(e.src, to: &out)
        out.append(contentsOf: #","epoch":"#.utf8)
        appendString(e.epoch, to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(e.seq).utf8)
        if e.pos > 0 {
            out.append(contentsOf: #","pos":"#.utf8)
            out.append(contentsOf: String(e.pos).utf8)
        }
        if e.req > 1 {
            out.append(contentsOf: #","req":"#.utf8)
            out.append(contentsOf: String(e.req).utf8)
        }
        out.append(contentsOf: #","type":"#.utf8)
        appendString(e.type, to: &out)
        out.append(contentsOf: #","at":"#.utf8)
        appendString(e.at, to: &out)
        out.append(contentsOf: #","trace":"#.utf8)
        appendString(e.trace, to: &out)
        out.append(contentsOf: #","data":"#.utf8)
        if e.data.isEmpty { out.append(contentsOf: "{}".utf8) } else { out.append(contentsOf: e.data) }
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// Decodes an envelope in place (the bus reads the frame where libzmq holds it).
    public static func decode(_ raw: UnsafeRawBufferPointer) throws -> Envelope {
        var p = Parser(bytes: raw.bindMemory(to: UInt8.self))
        return try p.envelope()
    }

    public static func decode(_ data: Data) throws -> Envelope {
        try data.withUnsafeBytes { raw in
            var p = Parser(bytes: raw.bindMemory(to: UInt8.self))
            return try p.envelope()
        }
    }

    /// Checks a whole envelope as ``decode(_:)`` does and reads only its header: no copy of its
    /// payload, epoch, time or trace (the bus's gate reads every event so).
    public static func header(_ raw: UnsafeRawBufferPointer) throws -> EnvelopeHeader {
        var p = Parser(bytes: raw.bindMemory(to: UInt8.self))
        return try p.fields(whole: false).header
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Names, epochs, times and topics need no escape: copied whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0..<0x20:
                // As JSONEncoder writes it: `\u00` and two lowercase hex digits.
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, Self.hexDigits[Int(b >> 4)], Self.hexDigits[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        /// What a failure says it was reading.
        let subject: String

        init(bytes: UnsafeBufferPointer<UInt8>, subject: String = "invalid envelope") {
            self.bytes = bytes
            self.subject = subject
        }

        func fail(_ why: String) -> SchemaError {
            SchemaError(.badPayload, "\(subject): \(why) at byte \(i)")
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 {
                i += 1
            }
        }

        mutating func expect(_ c: UInt8) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { throw fail("expected '\(Character(UnicodeScalar(c)))'") }
            i += 1
        }

        mutating func envelope() throws -> Envelope {
            let f = try fields(whole: true)
            var envelope = Envelope(
                v: f.v, src: f.header.src, epoch: f.epoch ?? "", seq: f.header.seq, pos: f.pos, type: f.header.type,
                at: f.at ?? "", trace: f.trace ?? "",
                data: f.data.map { Data(UnsafeBufferPointer(rebasing: bytes[$0])) } ?? Data("{}".utf8))
            envelope.req = f.req
            return envelope
        }

        /// What ``fields(whole:)`` read: with `whole` false, `epoch`, `at` and `trace` are checked but not kept.
        struct Fields {
            var header: EnvelopeHeader
            var v: Int
            var pos: Int64
            var req: Int
            var epoch: String?
            var at: String?
            var trace: String?
            /// Where the payload lies in the bytes read.
            var data: Range<Int>?
        }

        /// Reads and checks a whole envelope; the one set of rules for a full read and a header's.
        mutating func fields(whole: Bool) throws -> Fields {
            var v: Int?
            var src: String?
            var epoch: String?
            var epochIsEmpty = true
            var seq: Int64?
            var pos: Int64 = 0
            var req = 1
            var type: String?
            var at: String?
            var trace: String?
            var payload: Range<Int>?
            var seen = 0
            try expect(UInt8(ascii: "{"))
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                throw fail("empty object")
            }
            while true {
                let field = try fieldName()
                if field != 0 {
                    guard seen & field == 0 else { throw fail("\(Self.fieldNames[field] ?? "a field") given twice") }
                    seen |= field
                }
                switch field {
                case Field.v: v = Int(try integer())
                case Field.src: src = try string()
                case Field.epoch:
                    if whole {
                        let e = try string()
                        epochIsEmpty = e.isEmpty
                        epoch = e
                    } else {
                        epochIsEmpty = try checkString()
                    }
                case Field.seq: seq = try integer()
                case Field.pos: pos = try integer()
                case Field.req: req = Int(clamping: try integer())
                case Field.type: type = try string()
                case Field.at: if whole { at = try string() } else { _ = try checkString() }
                case Field.trace: if whole { trace = try string() } else { _ = try checkString() }
                case Field.data:
                    let start = i
                    try skipValue(depth: 0)
                    payload = start..<i
                default:
                    try skipValue(depth: 0)
                }
                if try !nextMember() { break }
            }
            skipSpace()
            guard i == bytes.count else { throw fail("trailing bytes") }
            guard let v else { throw fail("missing v") }
            guard v == Envelope.currentVersion else {
                throw SchemaError(
                    .upgradeRequired, "envelope format \(v) from \(src ?? "?"), this process reads \(Envelope.currentVersion)")
            }
            guard let src, !src.isEmpty else { throw fail("missing src") }
            guard let type, !type.isEmpty else { throw fail("missing type") }
            guard let seq, seq >= 0 else { throw fail("missing or negative seq") }
            guard seen & Field.epoch != 0 else { throw fail("missing epoch") }
            if seq > 0 && epochIsEmpty { throw fail("durable event without epoch") }
            guard pos >= 0, pos == 0 || seq > 0 else { throw fail("pos on an ephemeral event or negative") }
            guard req >= 1 else { throw fail("req below 1") }
            return Fields(
                header: EnvelopeHeader(src: src, type: type, seq: seq), v: v, pos: pos, req: req, epoch: epoch, at: at,
                trace: trace, data: payload)
        }

        /// An object member's name and the `:` after it, up to its value.
        mutating func memberName() throws -> String {
            skipSpace()
            let key = try string()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            return key
        }

        /// ``memberName()``, refusing a name in `bits` whose bit `seen` already holds: a field given
        /// twice could be read one way by one reader (the bus) and another by the next (a subscriber).
        mutating func memberName(checking bits: [String: Int], seen: inout Int) throws -> String {
            let key = try memberName()
            if let bit = bits[key] {
                guard seen & bit == 0 else { throw fail("\(key) given twice") }
                seen |= bit
            }
            return key
        }

        /// An object member's name and the `:` after it, as its bit in ``fieldBits`` (0 for a name
        /// that is no envelope field). A name of plain ASCII is matched on its bytes, without a
        /// String; one with escapes or beyond ASCII is read as ``string()`` reads it, so `"s\u0072c"`
        /// is `src` here exactly as in any JSON parser.
        mutating func fieldName() throws -> Int {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected string") }
            var j = i + 1
            while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\"), bytes[j] >= 0x20, bytes[j] < 0x80 {
                j += 1
            }
            let field: Int
            if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
                field = Self.fieldBit(UnsafeBufferPointer(rebasing: bytes[(i + 1)..<j]))
                i = j + 1
            } else {
                field = Self.fieldBits[try string()] ?? 0
            }
            try expect(UInt8(ascii: ":"))
            skipSpace()
            return field
        }

        /// ``fieldBits`` of a name's bytes.
        static func fieldBit(_ name: UnsafeBufferPointer<UInt8>) -> Int {
            func named(_ text: StaticString, _ bit: Int) -> Int {
                text.withUTF8Buffer { $0.elementsEqual(name) } ? bit : 0
            }
            switch name.count {
            case 1: return named("v", Field.v)
            case 2: return named("at", Field.at)
            case 3:
                switch name[0] {
                case UInt8(ascii: "s"): return named("src", Field.src) | named("seq", Field.seq)
                case UInt8(ascii: "p"): return named("pos", Field.pos)
                case UInt8(ascii: "r"): return named("req", Field.req)
                default: return 0
                }
            case 4: return named("type", Field.type) | named("data", Field.data)
            case 5: return named("epoch", Field.epoch) | named("trace", Field.trace)
            default: return 0
            }
        }

        static let fieldNames: [Int: String] = Dictionary(uniqueKeysWithValues: fieldBits.map { ($0.value, $0.key) })

        /// After an object member's value: true when another member follows (`,`), false at the
        /// object's end (`}`), which it consumes.
        mutating func nextMember() throws -> Bool {
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                return true
            }
            if bytes[i] == UInt8(ascii: "}") {
                i += 1
                return false
            }
            throw fail("expected ',' or '}'")
        }

        /// An envelope's fields, one bit each (which of them a reader has seen).
        enum Field {
            static let v = 1, src = 2, epoch = 4, seq = 8, pos = 16, type = 32, at = 64, trace = 128, data = 256, req = 512
        }

        static let fieldBits: [String: Int] = [
            "v": Field.v, "src": Field.src, "epoch": Field.epoch, "seq": Field.seq, "pos": Field.pos, "type": Field.type,
            "at": Field.at, "trace": Field.trace, "data": Field.data, "req": Field.req,
        ]

        /// The byte range of the value of the top-level member `name` of a JSON object, checking the
        /// whole object's syntax; nil when the document is not an object or has no such member.
        mutating func member(_ name: String) throws -> Range<Int>? {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return nil }
            var found: Range<Int>?
            while true {
                let key = try memberName()
                let start = i
                try skipValue(depth: 1)
                if key == name {
                    guard found == nil else { throw fail("\(name) given twice") }
                    found = start..<i
                }
                if try !nextMember() { break }
            }
            return found
        }

        mutating func integer() throws -> Int64 {
            let start = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            var value: Int64 = 0
            var digits = 0
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
                if o1 || o2 { throw fail("integer overflow") }
                value = a
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw fail("expected integer") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                throw fail("expected integer")
            }
            return bytes[start] == UInt8(ascii: "-") ? -value : value
        }

        mutating func string() throws -> String {
            try makeString(try stringSpan())
        }

        /// Reads a string and checks it as ``string()`` does, making a `String` only where checking
        /// needs one (escapes, bytes beyond ASCII); true when it is empty.
        mutating func checkString() throws -> Bool {
            let span = try stringSpan()
            if !(span.plain && span.ascii) { _ = try makeString(span) }
            return span.range.isEmpty
        }

        /// A string's bytes between its quotes, and whether they hold no escape and no byte beyond ASCII.
        mutating func stringSpan() throws -> (range: Range<Int>, plain: Bool, ascii: Bool) {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected string") }
            i += 1
            let start = i
            var plain = true
            var ascii = true
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return (start..<(i - 1), plain, ascii)
                }
                if b == UInt8(ascii: "\\") {
                    plain = false
                    i += 2
                    continue
                }
                if b < 0x20 { throw fail("control character in string") }
                if b >= 0x80 { ascii = false }
                i += 1
            }
            throw fail("unterminated string")
        }

        func makeString(_ span: (range: Range<Int>, plain: Bool, ascii: Bool)) throws -> String {
            let slice = UnsafeBufferPointer(rebasing: bytes[span.range])
            // ASCII is valid UTF-8 as it is: made without the generic validating initializer,
            // which looked up type metadata for every string of every envelope.
            if span.plain && span.ascii { return String(decoding: slice, as: UTF8.self) }
            if span.plain {
                guard let s = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return s
            }
            // Escapes: let JSONDecoder do the unescaping of this one string.
            let quoted = Data(UnsafeBufferPointer(rebasing: bytes[(span.range.lowerBound - 1)...span.range.upperBound]))
            guard let s = try? JSONDecoder().decode(String.self, from: quoted) else { throw fail("bad string escape") }
            return s
        }

        /// Skips one JSON value, checking its syntax.
        mutating func skipValue(depth: Int) throws {
            guard depth < 64 else { throw fail("nesting too deep") }
            skipSpace()
            guard i < bytes.count else { throw fail("expected value") }
            switch bytes[i] {
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    return
                }
                while true {
                    skipSpace()
                    try skipString()
                    try expect(UInt8(ascii: ":"))
                    try skipValue(depth: depth + 1)
                    if try !nextMember() { return }
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    return
                }
                while true {
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if bytes[i] == UInt8(ascii: "]") {
                        i += 1
                        return
                    }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), 48...57:
                try skipNumber()
            default:
                throw fail("unexpected character")
            }
        }

        mutating func skipString() throws {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected string") }
            i += 1
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return
                }
                if b == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                if b < 0x20 { throw fail("control character in string") }
                i += 1
            }
            throw fail("unterminated string")
        }

        /// One JSON number, by its grammar (RFC 8259, section 6): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        mutating func skipNumber() throws {
            func digits() -> Int {
                let start = i
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
                return i - start
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 else { throw fail("bad number") }
            if bytes[i] == 48 {
                i += 1
            } else {
                _ = digits()
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw fail("bad number") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw fail("bad number") }
            }
            // A digit run may not go on into another number: "01" is not JSON.
            if i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { throw fail("bad number") }
        }

        mutating func literal(_ word: String) throws {
            for c in word.utf8 {
                guard i < bytes.count, bytes[i] == c else { throw fail("bad literal") }
                i += 1
            }
        }
    }
}
