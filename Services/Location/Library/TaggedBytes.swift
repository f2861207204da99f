import Foundation
import PosySchema

/// A compact tagged encoding for rows read and written on every position (a delivery's state):
/// as JSON they were almost half of posy-location's CPU at a fix a second per courier
/// (docs/performance.md, "Location"). Each field is a tag byte — its kind in the top two bits, its
/// number (1–63) in the rest — then its value: a bool as one byte, a double as its 8 bytes
/// little-endian, text or a nested record as a 4-byte little-endian length and the bytes. An absent
/// optional is not written; a reader skips numbers it does not know by their kind, so a row written
/// by a newer version reads in an older one (docs/architecture.md, "Location").
enum TaggedBytes {
    enum Kind: UInt8 {
        case bool = 0
        case double = 1
        case text = 2
        case record = 3
    }

    struct Writer {
        private(set) var bytes: [UInt8] = []

        init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

        private mutating func tag(_ kind: Kind, _ field: UInt8) {
            precondition(field > 0 && field < 64, "a field number is 1–63")
            bytes.append(kind.rawValue << 6 | field)
        }

        mutating func bool(_ field: UInt8, _ value: Bool?) {
            guard let value else { return }
            tag(.bool, field)
            bytes.append(value ? 1 : 0)
        }

        mutating func double(_ field: UInt8, _ value: Double?) {
            guard let value else { return }
            tag(.double, field)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func text(_ field: UInt8, _ value: String?) {
            guard let value else { return }
            tag(.text, field)
            length(value.utf8.count)
            bytes.append(contentsOf: value.utf8)
        }

        mutating func record(_ field: UInt8, _ value: Writer?) {
            guard let value else { return }
            tag(.record, field)
            length(value.bytes.count)
            bytes.append(contentsOf: value.bytes)
        }

        private mutating func length(_ n: Int) {
            withUnsafeBytes(of: UInt32(n).littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// One field as read: text and records are views into the reader's bytes. Asking for the
    /// wrong kind is a malformed record.
    enum Value {
        case bool(Bool)
        case double(Double)
        case text(UnsafeRawBufferPointer)
        case record(UnsafeRawBufferPointer)

        func bool() throws -> Bool {
            guard case .bool(let b) = self else { throw TaggedBytes.malformed("a field of the wrong kind") }
            return b
        }

        func double() throws -> Double {
            guard case .double(let d) = self else { throw TaggedBytes.malformed("a field of the wrong kind") }
            return d
        }

        func text() throws -> String {
            guard case .text(let t) = self else { throw TaggedBytes.malformed("a field of the wrong kind") }
            return String(decoding: t, as: UTF8.self)
        }

        func record() throws -> UnsafeRawBufferPointer {
            guard case .record(let r) = self else { throw TaggedBytes.malformed("a field of the wrong kind") }
            return r
        }
    }

    /// Calls `field` for every field of `bytes` in order; throws on a truncated or malformed field.
    static func read(_ bytes: UnsafeRawBufferPointer, _ field: (UInt8, Value) throws -> Void) throws {
        var i = 0
        func take(_ n: Int) throws -> UnsafeRawBufferPointer {
            guard n >= 0, bytes.count - i >= n else { throw malformed("a field runs past the end") }
            defer { i += n }
            return UnsafeRawBufferPointer(rebasing: bytes[i..<i + n])
        }
        while i < bytes.count {
            let tag = bytes[i]
            i += 1
            let number = tag & 0x3f
            guard number != 0 else { throw malformed("field number 0") }
            switch Kind(rawValue: tag >> 6)! {
            case .bool:
                let b = try take(1)[0]
                guard b <= 1 else { throw malformed("a bool of \(b)") }
                try field(number, .bool(b == 1))
            case .double:
                let raw = try take(8)
                var bits: UInt64 = 0
                withUnsafeMutableBytes(of: &bits) { $0.copyMemory(from: raw) }
                try field(number, .double(Double(bitPattern: UInt64(littleEndian: bits))))
            case .text, .record:
                let raw = try take(4)
                var n: UInt32 = 0
                withUnsafeMutableBytes(of: &n) { $0.copyMemory(from: raw) }
                let value = try take(Int(UInt32(littleEndian: n)))
                try field(number, tag >> 6 == Kind.text.rawValue ? .text(value) : .record(value))
            }
        }
    }

    static func malformed(_ why: String) -> PosyError {
        PosyError(.internal, "malformed stored record: \(why)")
    }
}
