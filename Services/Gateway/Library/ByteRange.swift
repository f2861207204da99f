import Foundation

/// One `Range: bytes=…` (RFC 9110 §14.1.2). Several ranges, or another unit, are served whole.
enum ByteRange: Equatable {
    case whole
    case range(Range<Int64>)
    case unsatisfiable

    static func parse(_ header: String, size: Int64) -> ByteRange {
        let h = header.trimmingCharacters(in: .whitespaces)
        guard h.lowercased().hasPrefix("bytes="), !h.contains(",") else { return .whole }
        let spec = h.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return .whole }
        if parts[0].isEmpty {
            // Suffix: the last n bytes.
            guard let n = Int64(parts[1]), n > 0 else { return .unsatisfiable }
            return size == 0 ? .unsatisfiable : .range(max(0, size - n)..<size)
        }
        guard let first = Int64(parts[0]), first >= 0 else { return .whole }
        guard first < size else { return .unsatisfiable }
        if parts[1].isEmpty { return .range(first..<size) }
        guard let last = Int64(parts[1]), last >= first else { return .whole }
        return .range(first..<min(last + 1, size))
    }
}
