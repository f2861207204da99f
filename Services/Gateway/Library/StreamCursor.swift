import Foundation
import PosySchema

/// Where a stream connection stands in each source's log: `(epoch, pos)` per source. Its text form
/// is the event `id` a client sees and sends back to resume (`?after=` or `Last-Event-ID`):
/// base64url of `src:epoch:pos` entries joined by `;`. Opaque to clients.
struct StreamCursor: Sendable, Equatable {
    struct Position: Sendable, Equatable {
        var epoch: String
        var pos: Int64
    }

    private(set) var positions: [String: Position] = [:]

    init() {}

    subscript(src: String) -> Position? {
        get { positions[src] }
        set { positions[src] = newValue }
    }

    /// The `id` text of this cursor.
    var text: String {
        let plain = positions.keys.sorted().map { "\($0):\(positions[$0]!.epoch):\(positions[$0]!.pos)" }
            .joined(separator: ";")
        return Data(plain.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Parses an `id`; a malformed one is `bad_request` (never silently a fresh start).
    init(text: String) throws(PosyError) {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard text.count <= 4_096, let data = Data(base64Encoded: b64), let plain = String(data: data, encoding: .utf8) else {
            throw PosyError(.badRequest, "after: not a stream event id")
        }
        for entry in plain.split(separator: ";") {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, let pos = Int64(parts[2]), pos >= 0,
                positions[String(parts[0])] == nil
            else { throw PosyError(.badRequest, "after: not a stream event id") }
            positions[String(parts[0])] = Position(epoch: String(parts[1]), pos: pos)
        }
    }
}
