import Foundation

/// Reads one integer field from a flat JSON payload without a full decode (hot path of tools).
package enum PayloadScanner {
    package static func int(_ key: String, in data: Data) -> Int64? {
        let needle = Array("\"\(key)\":".utf8)
        return data.withUnsafeBytes { raw -> Int64? in
            let b = raw.bindMemory(to: UInt8.self)
            guard b.count >= needle.count else { return nil }
            var i = 0
            outer: while i + needle.count <= b.count {
                for j in 0..<needle.count where b[i + j] != needle[j] {
                    i += 1
                    continue outer
                }
                var k = i + needle.count
                var v: Int64 = 0
                var any = false
                while k < b.count, b[k] >= 48, b[k] <= 57 {
                    v = v * 10 + Int64(b[k] - 48)
                    k += 1
                    any = true
                }
                return any ? v : nil
            }
            return nil
        }
    }
}
