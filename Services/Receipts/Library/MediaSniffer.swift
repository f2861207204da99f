import Foundation
import PosySchema

/// Recognises the formats Posy takes from their first bytes ("magic"), never from a name or a
/// declared type. Needs at most ``prefixLength`` bytes.
public enum MediaSniffer {
    /// Enough for a WebM's track list, which tells a voice recording from a video (a browser's
    /// MediaRecorder writes it within the first few hundred bytes).
    public static let prefixLength = 1024
    /// Every other format is told by its first 64 bytes.
    public static let shortPrefix = 64

    /// Whether `head` (a file's first bytes so far) is too short to tell its format yet: under
    /// 64 bytes, or a WebM whose track list may still be coming.
    public static func needsMore(_ head: [UInt8]) -> Bool {
        if head.count < shortPrefix { return true }
        return head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) && head.count < prefixLength
    }

    /// The format of a file starting with `head`, or nil when it is none Posy takes.
    public static func sniff(_ head: some Collection<UInt8>) -> MediaFormat? {
        let b = Array(head.prefix(prefixLength))
        func at(_ offset: Int, _ bytes: [UInt8]) -> Bool {
            b.count >= offset + bytes.count && Array(b[offset..<offset + bytes.count]) == bytes
        }
        func ascii(_ offset: Int, _ text: String) -> Bool { at(offset, Array(text.utf8)) }

        if at(0, [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if at(0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if ascii(0, "RIFF") && ascii(8, "WEBP") { return .webp }
        if ascii(0, "RIFF") && ascii(8, "WAVE") { return .wav }
        if ascii(0, "OggS") { return .ogg }
        if ascii(0, "#!AMR\n") || ascii(0, "#!AMR-WB\n") { return .amr }
        if ascii(0, "ID3") { return .mp3 }
        if ascii(4, "ftyp"), b.count >= 12 { return isoBrand(b) }
        if at(0, [0x1A, 0x45, 0xDF, 0xA3]) {
            // EBML: a WebM names its DocType "webm" in the header; plain Matroska is not taken.
            // Its tracks' codec ids say whether it is a video or only sound.
            guard containsASCII(b, "webm") else { return nil }
            let video = ["V_VP8", "V_VP9", "V_AV1", "V_MPEG4"].contains { containsASCII(b, $0) }
            let audio = ["A_OPUS", "A_VORBIS"].contains { containsASCII(b, $0) }
            return audio && !video ? .weba : .webm
        }
        if b.count >= 2, b[0] == 0xFF {
            // MPEG audio frame sync: 11 set bits. Layer bits 00 is ADTS (AAC), else MPEG layer I–III.
            if b[1] & 0xF6 == 0xF0 { return .aac }
            if b[1] & 0xE0 == 0xE0, b[1] & 0x06 != 0, b[1] & 0x18 != 0x08 { return .mp3 }
        }
        return nil
    }

    /// ISO base media file (`ftyp` box): the major brand, then the compatible brands, decide.
    static func isoBrand(_ b: [UInt8]) -> MediaFormat? {
        let boxSize = Int(b[0]) << 24 | Int(b[1]) << 16 | Int(b[2]) << 8 | Int(b[3])
        var brands = [String(decoding: b[8..<12], as: UTF8.self)]
        var i = 16
        while i + 4 <= min(b.count, max(boxSize, 16)) {
            brands.append(String(decoding: b[i..<i + 4], as: UTF8.self))
            i += 4
        }
        let heic: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"]
        let m4a: Set<String> = ["M4A ", "M4B ", "M4P "]
        let mp4: Set<String> = [
            "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "mmp4", "MSNV", "3gp4", "3gp5", "3g2a",
        ]
        let major = brands[0]
        if heic.contains(major) { return .heic }
        if m4a.contains(major) { return .m4a }
        if major == "qt  " { return .quicktime }
        if mp4.contains(major) { return .mp4 }
        if brands.contains(where: heic.contains) { return .heic }
        if brands.contains(where: m4a.contains) { return .m4a }
        if brands.contains("qt  ") { return .quicktime }
        if brands.contains(where: mp4.contains) { return .mp4 }
        return nil
    }

    static func containsASCII(_ b: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard b.count >= needle.count else { return false }
        for i in 0...(b.count - needle.count) where Array(b[i..<i + needle.count]) == needle { return true }
        return false
    }
}
