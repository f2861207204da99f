import Foundation

/// Ids of stored records: a type prefix and random hex (`o3f9a…` orders, `md…` media, `pf…` proofs).
public enum RecordID {
    /// `prefix` and `length` random lower-case hex digits (at most 32: one UUID's 128 bits).
    public static func make(_ prefix: String, length: Int = 16) -> String {
        // A UUID's bytes written as hex directly: its string, lower-cased and without dashes, took
        // Foundation's NSString paths and several allocations per id.
        func digit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }
        var hex = [UInt8]()
        hex.reserveCapacity(32)
        withUnsafeBytes(of: UUID().uuid) { bytes in
            for b in bytes {
                hex.append(digit(b >> 4))
                hex.append(digit(b & 0x0f))
            }
        }
        return prefix + String(decoding: hex.prefix(max(0, length)), as: UTF8.self)
    }
}
