import Foundation
import PosySchema

/// The length of a voice note or video as its container states it (docs/architecture.md, "Media"):
/// Ogg's last granule position, WAV's data size over its byte rate, MP4/M4A's `mvhd`, WebM's
/// `Duration` or — MediaRecorder writes none — its last block's time, AMR's frame count. nil when
/// the container says nothing readable (ADTS AAC, MP3): the sender's figure then stands unchecked.
///
/// Reads only the bytes it needs, and never trusts a size in the file to stay inside the file.
package enum MediaDuration {
    /// Milliseconds, or nil.
    package static func read(path: String, format: MediaFormat) -> Int? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        guard let size = try? file.seekToEnd(), size > 0 else { return nil }
        let reader = Reader(file: file, size: size)
        let ms: Double?
        switch format {
        case .ogg: ms = ogg(reader)
        case .wav: ms = wav(reader)
        case .m4a, .mp4, .quicktime: ms = mp4(reader)
        case .weba, .webm: ms = webm(reader)
        case .amr: ms = amr(reader)
        default: ms = nil
        }
        guard let ms, ms.isFinite, ms >= 0, ms < 86_400_000 else { return nil }
        return Int(ms.rounded())
    }

    /// Random access to the file, bounded by its size.
    struct Reader {
        let file: FileHandle
        let size: UInt64

        func bytes(_ offset: UInt64, _ count: Int) -> [UInt8] {
            guard offset < size, count > 0 else { return [] }
            guard (try? file.seek(toOffset: offset)) != nil else { return [] }
            return [UInt8]((try? file.read(upToCount: min(count, Int(size - offset)))) ?? Data())
        }
    }

    static func le(_ b: ArraySlice<UInt8>) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
    static func be(_ b: ArraySlice<UInt8>) -> UInt64 { b.reduce(0) { $0 << 8 | UInt64($1) } }

    /// Ogg: the granule position of the last page, in samples at the codec's rate (Opus: 48 kHz
    /// less the pre-skip of `OpusHead`; Vorbis: the rate of its identification header).
    static func ogg(_ r: Reader) -> Double? {
        let head = r.bytes(0, 512)
        let rate: Double
        var preSkip: Double = 0
        if let i = find(head, Array("OpusHead".utf8)), head.count >= i + 12 {
            rate = 48_000
            preSkip = Double(le(head[(i + 10)..<(i + 12)]))
        } else if let i = find(head, [0x01] + Array("vorbis".utf8)), head.count >= i + 16 {
            rate = Double(le(head[(i + 12)..<(i + 16)]))
        } else {
            return nil
        }
        guard rate > 0 else { return nil }
        let tailStart = r.size > 65_536 ? r.size - 65_536 : 0
        let tail = r.bytes(tailStart, 65_536)
        guard let last = findLast(tail, Array("OggS".utf8)), tail.count >= last + 14 else { return nil }
        let granule = le(tail[(last + 6)..<(last + 14)])
        guard granule != UInt64.max else { return nil }  // -1: no packet ends on that page
        return max(0, Double(granule) - preSkip) / rate * 1000
    }

    /// WAV: the `data` chunk's size over the `fmt ` chunk's byte rate.
    static func wav(_ r: Reader) -> Double? {
        guard r.bytes(0, 4) == Array("RIFF".utf8), r.bytes(8, 4) == Array("WAVE".utf8) else { return nil }
        var offset: UInt64 = 12
        var byteRate: UInt64?
        for _ in 0..<64 {
            let h = r.bytes(offset, 8)
            guard h.count == 8 else { return nil }
            let id = String(decoding: h[0..<4], as: UTF8.self)
            let length = le(h[4..<8])
            if id == "fmt " {
                let fmt = r.bytes(offset + 8, 16)
                guard fmt.count == 16 else { return nil }
                byteRate = le(fmt[8..<12])
            } else if id == "data", let byteRate, byteRate > 0 {
                // A streaming writer may leave the size at its maximum: then the file's end bounds it.
                let available = r.size - min(r.size, offset + 8)
                return Double(min(length, available)) / Double(byteRate) * 1000
            }
            offset += 8 + length + (length & 1)
        }
        return nil
    }

    /// MP4, QuickTime, M4A: the movie header's duration over its timescale.
    static func mp4(_ r: Reader) -> Double? {
        guard let moov = box("moov", in: r, from: 0, to: r.size),
            let mvhd = box("mvhd", in: r, from: moov.start, to: moov.end)
        else { return nil }
        let b = r.bytes(mvhd.start, 32)
        guard b.count >= 20 else { return nil }
        let (scale, duration): (UInt64, UInt64)
        if b[0] == 1 {
            guard b.count >= 32 else { return nil }
            (scale, duration) = (be(b[20..<24]), be(b[24..<32]))
        } else {
            (scale, duration) = (be(b[12..<16]), be(b[16..<20]))
        }
        guard scale > 0 else { return nil }
        return Double(duration) / Double(scale) * 1000
    }

    /// The payload range of the first box named `type` among the boxes between `from` and `to`.
    static func box(_ type: String, in r: Reader, from: UInt64, to: UInt64) -> (start: UInt64, end: UInt64)? {
        var offset = from
        for _ in 0..<256 {
            guard offset + 8 <= to else { return nil }
            let h = r.bytes(offset, 16)
            guard h.count >= 8 else { return nil }
            var length = be(h[0..<4])
            var header: UInt64 = 8
            if length == 1 {
                guard h.count == 16 else { return nil }
                length = be(h[8..<16])
                header = 16
            } else if length == 0 {
                length = to - offset
            }
            guard length >= header, offset + length <= to else { return nil }
            if String(decoding: h[4..<8], as: UTF8.self) == type { return (offset + header, offset + length) }
            offset += length
        }
        return nil
    }

    /// WebM: `Info/Duration` in `TimecodeScale` units when present; else the largest block time
    /// (cluster time + the block's offset), which is what MediaRecorder's files allow.
    static func webm(_ r: Reader) -> Double? {
        // Voice notes and clips are small (the kinds' upload limits); a walk of the whole file is cheap.
        let data = r.bytes(0, Int(min(r.size, 64 << 20)))
        var scale: Double = 1_000_000  // ns per tick, the default
        var stated: Double?
        var cluster: UInt64 = 0
        var latest: Double?
        var i = 0
        // Masters walked into: EBML header's sibling Segment, Info, Cluster, BlockGroup.
        let masters: Set<UInt64> = [0x1853_8067, 0x1549_A966, 0x1F43_B675, 0xA0]
        while i < data.count {
            guard let (id, idLength) = ebmlID(data, i), let (size, sizeLength) = ebmlSize(data, i + idLength) else { break }
            let body = i + idLength + sizeLength
            if masters.contains(id) {
                i = body  // unknown sizes (live recordings) are fine: the children follow
                continue
            }
            guard let size, body <= data.count, size <= UInt64(data.count - body) else { break }
            let payload = data[body..<(body + Int(size))]
            switch id {
            case 0x2A_D7B1: scale = Double(be(payload))
            case 0x4489:
                if size == 4 {
                    stated = Double(Float(bitPattern: UInt32(be(payload))))
                } else if size == 8 {
                    stated = Double(bitPattern: be(payload))
                }
            case 0xE7: cluster = be(payload)
            case 0xA3, 0xA1:
                // A block: track number (a vint), then a signed 16-bit time relative to its cluster.
                if let (_, trackLength) = ebmlSize(data, body), payload.count >= trackLength + 2 {
                    let at = body + trackLength
                    let relative = Int16(bitPattern: UInt16(data[at]) << 8 | UInt16(data[at + 1]))
                    let time = Double(Int64(cluster) + Int64(relative))
                    latest = max(latest ?? time, time)
                }
            default: break
            }
            i = body + Int(size)
        }
        guard let ticks = stated ?? latest else { return nil }
        return ticks * scale / 1_000_000
    }

    /// An EBML element id (its marker bits kept, as the specification writes ids) and its length.
    static func ebmlID(_ d: [UInt8], _ i: Int) -> (UInt64, Int)? {
        guard i < d.count, d[i] != 0 else { return nil }
        let length = d[i].leadingZeroBitCount + 1
        guard length <= 4, i + length <= d.count else { return nil }
        return (be(d[i..<(i + length)]), length)
    }

    /// An EBML size: nil value for "unknown" (all ones), and the length of the field.
    static func ebmlSize(_ d: [UInt8], _ i: Int) -> (UInt64?, Int)? {
        guard i < d.count, d[i] != 0 else { return nil }
        let length = d[i].leadingZeroBitCount + 1
        guard i + length <= d.count else { return nil }
        var value = UInt64(d[i] & (0xFF >> length))
        for b in d[(i + 1)..<(i + length)] { value = value << 8 | UInt64(b) }
        let unknown = value == (UInt64(1) << (7 * UInt64(length))) - 1
        return (unknown ? nil : value, length)
    }

    /// AMR-NB storage format: 20 ms per frame; each frame's size follows from its header's mode.
    static func amr(_ r: Reader) -> Double? {
        let magic = Array("#!AMR\n".utf8)
        let data = r.bytes(0, Int(min(r.size, 16 << 20)))
        guard data.starts(with: magic) else { return nil }
        // Bytes of speech per mode 0…7, SID (8), then no-data (15).
        let sizes: [Int: Int] = [0: 12, 1: 13, 2: 15, 3: 17, 4: 19, 5: 20, 6: 26, 7: 31, 8: 5, 15: 0]
        var i = magic.count
        var frames = 0
        while i < data.count {
            guard let n = sizes[Int(data[i] >> 3) & 0x0F] else { return nil }
            i += 1 + n
            frames += 1
        }
        return Double(frames) * 20
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    static func findLast(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in stride(from: hay.count - needle.count, through: 0, by: -1)
        where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
