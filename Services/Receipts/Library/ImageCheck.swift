import Foundation
import PosySchema

/// An image must be an image from its magic bytes to its end (docs/architecture.md, "Receipts"):
/// a JPEG whose first bytes are a JPEG's may carry an HTML document in a comment, a metadata
/// segment or after its end, and a browser that sniffs — or a page that embeds the file as a
/// document — would see the HTML. The structure is walked as the format defines it: bytes after the
/// image's end are cut off (phones append videos there; so can an attacker append a page), and
/// markup in the metadata a browser could read as text refuses the upload. Entropy-coded pixel data
/// is not searched: it is not text, and searching it would refuse one honest photo in thousands.
public enum ImageCheck {
    public enum Verdict: Equatable, Sendable {
        /// An image and nothing else.
        case ok
        /// The image ends at this offset; what follows is no part of it and is cut off.
        case cut(at: Int64)
        /// Not only an image: refused, with why.
        case refuse(String)
    }

    /// Tags that make an HTML document (or a script in one), as written in a file, lower-cased.
    static let markup = ["<html", "<!doctype", "<head", "<body", "<script", "<iframe", "<svg", "<meta", "<object", "<embed", "<frame"]

    /// The verdict on `bytes`, a whole file of `format`.
    public static func judge(_ bytes: [UInt8], format: MediaFormat) -> Verdict {
        switch format {
        case .jpeg: jpeg(bytes)
        case .png: png(bytes)
        case .webp: webp(bytes)
        case .heic: isoBoxes(bytes)
        default: .ok
        }
    }

    /// Whether `bytes` hold one of the ``markup`` tags, in any case.
    static func hasMarkup(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 5 else { return false }
        var i = bytes.startIndex
        while let lt = bytes[i...].firstIndex(of: UInt8(ascii: "<")) {
            for tag in markup where lt + tag.utf8.count <= bytes.endIndex {
                if zip(bytes[lt..<lt + tag.utf8.count], tag.utf8).allSatisfy({ a, b in a | 0x20 == b || a == b }) { return true }
            }
            i = lt + 1
            if i >= bytes.endIndex { break }
        }
        return false
    }

    static func cutOrOK(_ end: Int, _ count: Int) -> Verdict { end < count ? .cut(at: Int64(end)) : .ok }

    /// Markers from SOI to EOI: segments with their lengths, entropy-coded data after each SOS.
    static func jpeg(_ b: [UInt8]) -> Verdict {
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return .refuse("not a JPEG from its start") }
        var i = 2
        while i < b.count {
            guard b[i] == 0xFF else { return .refuse("a JPEG with bytes between its segments") }
            while i < b.count && b[i] == 0xFF { i += 1 }  // fill bytes
            guard i < b.count else { break }
            let marker = b[i]
            i += 1
            switch marker {
            case 0xD9: return cutOrOK(i, b.count)  // EOI
            case 0xD0...0xD7, 0x01: continue  // no length
            default: break
            }
            guard i + 2 <= b.count else { break }
            let length = Int(b[i]) << 8 | Int(b[i + 1])
            guard length >= 2, i + length <= b.count else { return .refuse("a JPEG segment longer than the file") }
            let payload = b[(i + 2)..<(i + length)]
            // Application data and comments are what a browser could read as text.
            if (0xE0...0xEF).contains(marker) || marker == 0xFE, hasMarkup(payload) {
                return .refuse("markup in the image's metadata")
            }
            i += length
            if marker == 0xDA {
                // Entropy-coded data: up to the next marker that is not a stuffed 0xFF00 or a restart.
                while i + 1 < b.count && !(b[i] == 0xFF && b[i + 1] != 0x00 && !(0xD0...0xD7).contains(b[i + 1])) { i += 1 }
            }
        }
        return .refuse("a JPEG without its end")
    }

    /// Chunks from the signature to IEND; text chunks a browser could read are searched.
    static func png(_ b: [UInt8]) -> Verdict {
        var i = 8
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            guard length >= 0, i + 12 + length <= b.count else { return .refuse("a PNG chunk longer than the file") }
            if ["tEXt", "iTXt"].contains(type), hasMarkup(b[(i + 8)..<(i + 8 + length)]) {
                return .refuse("markup in the image's metadata")
            }
            i += 12 + length
            if type == "IEND" { return cutOrOK(i, b.count) }
        }
        return .refuse("a PNG without its end")
    }

    /// RIFF: its size says where the image ends; metadata chunks are searched.
    static func webp(_ b: [UInt8]) -> Verdict {
        guard b.count >= 12 else { return .refuse("a WebP shorter than its header") }
        let size = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
        let end = size + 8
        guard end <= b.count else { return .refuse("a WebP longer than its file") }
        var i = 12
        while i + 8 <= end {
            let type = String(decoding: b[i..<(i + 4)], as: UTF8.self)
            let length = Int(b[i + 4]) | Int(b[i + 5]) << 8 | Int(b[i + 6]) << 16 | Int(b[i + 7]) << 24
            guard i + 8 + length <= end else { return .refuse("a WebP chunk longer than the image") }
            if !["VP8 ", "VP8L", "ALPH", "ANMF"].contains(type), hasMarkup(b[(i + 8)..<(i + 8 + length)]) {
                return .refuse("markup in the image's metadata")
            }
            i += 8 + length + (length & 1)
        }
        return cutOrOK(end, b.count)
    }

    /// ISO base media (HEIC): top-level boxes; what follows the last whole box is no part of it.
    static func isoBoxes(_ b: [UInt8]) -> Verdict {
        var i = 0
        var end = 0
        while i + 8 <= b.count {
            var size = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            if size == 1, i + 16 <= b.count {
                size = b[(i + 8)..<(i + 16)].reduce(0) { $0 << 8 | Int($1) }
            } else if size == 0 {
                size = b.count - i
            }
            guard size >= 8, i + size <= b.count else { break }
            guard type.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { break }
            if type != "mdat", hasMarkup(b[i..<(i + size)]) { return .refuse("markup in the image's metadata") }
            i += size
            end = i
        }
        guard end > 0 else { return .refuse("an image without a box") }
        return cutOrOK(end, b.count)
    }
}
