import Foundation

/// A streaming reader of `multipart/form-data` (RFC 7578) that yields the first part carrying a
/// file — its `Content-Type`, then its bytes as they arrive — holding back only as many bytes as
/// the boundary delimiter is long. Later parts are ignored.
struct MultipartReader {
    enum Event: Equatable {
        /// The file part began; its declared type.
        case part(contentType: String)
        case bytes(Data)
        /// The file part ended.
        case end
    }

    enum Failure: Error, Equatable {
        case malformed(String)
    }

    enum State { case preamble, headers, body, done }

    /// `\r\n--boundary`
    let delimiter: [UInt8]
    private var state = State.preamble
    private var buffer: [UInt8] = []
    static let maxHeaderBytes = 8 << 10

    /// The boundary of a `multipart/form-data; boundary=…` content type, or nil for other types.
    static func boundary(of contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return b.isEmpty || b.count > 70 ? nil : b
        }
        return nil
    }

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body starts with the delimiter without its leading CRLF; pretend it was there.
        buffer = [13, 10]
    }

    var isDone: Bool { state == .done }

    /// Feeds the next bytes of the body; returns what they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        while true {
            switch state {
            case .done:
                buffer.removeAll()
                return events
            case .preamble:
                guard let i = find(delimiter, in: buffer) else {
                    if buffer.count > delimiter.count { buffer.removeFirst(buffer.count - delimiter.count) }
                    return events
                }
                buffer.removeFirst(i + delimiter.count)
                state = .headers
            case .headers:
                // After a delimiter: `--` ends the body; else CRLF and the part's headers up to CRLFCRLF.
                if buffer.count >= 2, buffer[0] == 45, buffer[1] == 45 {
                    throw .malformed("no file part in the multipart body")
                }
                guard let end = find([13, 10, 13, 10], in: buffer) else {
                    if buffer.count > Self.maxHeaderBytes { throw .malformed("part headers over 8 KiB") }
                    return events
                }
                let text = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var type: String?
                var isFile = false
                for line in text.split(separator: "\r\n") {
                    let pair = line.split(separator: ":", maxSplits: 1)
                    guard pair.count == 2 else { continue }
                    let name = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                    let value = pair[1].trimmingCharacters(in: .whitespaces)
                    if name == "content-type" { type = value }
                    if name == "content-disposition", value.contains("filename") { isFile = true }
                }
                if let type, isFile || type.lowercased() != "text/plain" {
                    events.append(.part(contentType: type))
                    state = .body
                } else {
                    // A plain form field: its value runs to the next delimiter, which starts the next part.
                    state = .preamble
                }
            case .body:
                if let i = find(delimiter, in: buffer) {
                    if i > 0 { events.append(.bytes(Data(buffer[0..<i]))) }
                    events.append(.end)
                    state = .done
                    continue
                }
                let safe = buffer.count - (delimiter.count - 1)
                if safe > 0 {
                    events.append(.bytes(Data(buffer[0..<safe])))
                    buffer.removeFirst(safe)
                }
                return events
            }
        }
    }

    func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            guard let j = hay[i...last].firstIndex(of: first) else { return nil }
            if hay[j..<j + needle.count].elementsEqual(needle) { return j }
            i = j + 1
        }
        return nil
    }
}
