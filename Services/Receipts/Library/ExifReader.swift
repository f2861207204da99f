import Foundation
import PosySchema

/// Reads the capture time and GPS position from a JPEG's EXIF (APP1) segment. Bounds-checked
/// throughout: a damaged or hostile file yields nil fields, never a crash.
public enum ExifReader {
    /// How much of the file's start is read (EXIF must sit before the image data).
    public static let maxScan = 256 << 10

    public static func read(jpeg bytes: some Collection<UInt8>) -> PhotoMetadata? {
        let b = Array(bytes.prefix(maxScan))
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan / end of image
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { break }
            let start = i + 4
            if marker == 0xE1, length > 8, Array(b[start..<start + 6]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                let tiff = Array(b[(start + 6)..<(i + 2 + length)])
                let meta = parseTIFF(tiff)
                return meta.isEmpty ? nil : meta
            }
            i += 2 + length
        }
        return nil
    }

    struct TIFF {
        let b: [UInt8]
        let little: Bool

        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= b.count else { return nil }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }

        func u32(_ o: Int) -> Int? {
            guard o >= 0, o + 4 <= b.count else { return nil }
            let v =
                little
                ? UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
                : UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
            return Int(v)
        }

        /// Entries of the IFD at `offset`: tag → (type, count, offset of the value field).
        func ifd(_ offset: Int) -> [Int: (type: Int, count: Int, field: Int)] {
            guard let n = u16(offset), n < 1000 else { return [:] }
            var out: [Int: (Int, Int, Int)] = [:]
            for k in 0..<n {
                let e = offset + 2 + 12 * k
                guard let tag = u16(e), let type = u16(e + 2), let count = u32(e + 4), e + 12 <= b.count else { break }
                out[tag] = (type, count, e + 8)
            }
            return out
        }

        /// Where a value of `size` bytes lives: in the field itself when it fits, else at the offset it holds.
        func valueOffset(_ entry: (type: Int, count: Int, field: Int), size: Int) -> Int? {
            size <= 4 ? entry.field : u32(entry.field)
        }

        func ascii(_ entry: (type: Int, count: Int, field: Int)?) -> String? {
            guard let entry, entry.type == 2, entry.count > 0, entry.count < 256,
                let o = valueOffset(entry, size: entry.count), o + entry.count <= b.count
            else { return nil }
            let raw = b[o..<o + entry.count].prefix { $0 != 0 }
            return String(bytes: raw, encoding: .ascii)?.trimmingCharacters(in: .whitespaces)
        }

        /// Three RATIONALs (degrees, minutes, seconds) as decimal degrees.
        func degrees(_ entry: (type: Int, count: Int, field: Int)?) -> Double? {
            guard let entry, entry.type == 5, entry.count == 3, let o = valueOffset(entry, size: 24) else { return nil }
            var parts: [Double] = []
            for k in 0..<3 {
                guard let num = u32(o + 8 * k), let den = u32(o + 8 * k + 4), den != 0 else { return nil }
                parts.append(Double(num) / Double(den))
            }
            return parts[0] + parts[1] / 60 + parts[2] / 3600
        }
    }

    static func parseTIFF(_ b: [UInt8]) -> PhotoMetadata {
        guard b.count >= 8 else { return PhotoMetadata() }
        let little: Bool
        switch (b[0], b[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return PhotoMetadata()
        }
        let t = TIFF(b: b, little: little)
        guard t.u16(2) == 42, let ifd0Offset = t.u32(4) else { return PhotoMetadata() }
        let ifd0 = t.ifd(ifd0Offset)
        var meta = PhotoMetadata()
        var taken = t.ascii(ifd0[0x0132])
        var offset: String?
        if let exifPointer = ifd0[0x8769].flatMap({ t.u32($0.field) }) {
            let exif = t.ifd(exifPointer)
            taken = t.ascii(exif[0x9003]) ?? taken
            offset = t.ascii(exif[0x9011])
        }
        meta.capturedAt = taken.flatMap { exifTime($0, offset: offset) }
        if let gpsPointer = ifd0[0x8825].flatMap({ t.u32($0.field) }) {
            let gps = t.ifd(gpsPointer)
            if var lat = t.degrees(gps[0x0002]), var lon = t.degrees(gps[0x0004]) {
                if t.ascii(gps[0x0001]) == "S" { lat = -lat }
                if t.ascii(gps[0x0003]) == "W" { lon = -lon }
                if (-90...90).contains(lat), (-180...180).contains(lon) {
                    meta.lat = lat
                    meta.lon = lon
                }
            }
        }
        return meta
    }

    /// `2026:05:10 11:42:07` (+ `+02:00`) → `2026-05-10T11:42:07+02:00`, or without an offset when EXIF has none.
    static func exifTime(_ s: String, offset: String?) -> String? {
        let p = s.split(whereSeparator: { $0 == ":" || $0 == " " })
        guard p.count == 6, p.allSatisfy({ $0.allSatisfy(\.isNumber) }), p[0].count == 4 else { return nil }
        let local = "\(p[0])-\(p[1])-\(p[2])T\(p[3]):\(p[4]):\(p[5])"
        if let offset, offset.count == 6, offset.first == "+" || offset.first == "-" { return local + offset }
        return local
    }
}
