import Foundation

/// Ids of stored records: a type prefix and random hex (`o3f9a…` orders, `md…` media, `pf…` proofs).
public enum RecordID {
    /// `prefix` and `length` random lower-case hex digits (at most 32: one UUID's 128 bits).
    public static func make(_ prefix: String, length: Int = 16) -> String {
        prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(length)
    }
}
