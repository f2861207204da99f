import Crypto
import Foundation
import Logging
import PosySchema
import Testing

@testable import PosyReceipts

/// An image is an image to its end (docs/architecture.md, "Receipts"): an HTML page behind a JPEG's
/// magic bytes — in a comment, in metadata, after its end — never reaches the store as it came.
@Suite struct ImageCheckTests {
    static let page = Array("<!DOCTYPE html><html><body><script>location='https://evil.example'</script></body></html>".utf8)

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try MediaSnifferTests.fixture(name)) }

    /// `jpeg` with a segment (`marker`, `payload`) right after its SOI.
    static func inserting(_ marker: UInt8, _ payload: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return Array(jpeg[..<2]) + [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg[2...])
    }

    @Test func everyImageFixtureIsAnImageAndNothingElse() throws {
        for (name, format) in [("photo.jpg", MediaFormat.jpeg), ("photo.png", .png), ("photo.webp", .webp), ("photo.heic", .heic)] {
            #expect(ImageCheck.judge(try Self.bytes(name), format: format) == .ok, "\(name)")
        }
    }

    @Test func whatFollowsAnImagesEndIsCutOff() throws {
        for (name, format) in [("photo.jpg", MediaFormat.jpeg), ("photo.png", .png), ("photo.webp", .webp), ("photo.heic", .heic)] {
            let image = try Self.bytes(name)
            #expect(ImageCheck.judge(image + Self.page, format: format) == .cut(at: Int64(image.count)), "\(name)")
        }
    }

    @Test func markupInMetadataIsRefusedAndMetadataWithoutItIsNot() throws {
        let jpeg = try Self.bytes("photo.jpg")
        // A comment, an application segment: what a sniffing browser would read as a page.
        for marker: UInt8 in [0xFE, 0xE1, 0xEC] {
            guard case .refuse = ImageCheck.judge(Self.inserting(marker, Self.page, into: jpeg), format: .jpeg) else {
                Issue.record("markup in segment \(String(marker, radix: 16)) was taken")
                continue
            }
        }
        // Cases do not hide it; XMP (XML a phone writes) is no HTML.
        let shouting = Array("x<SCRIPT>alert(1)</SCRIPT>".utf8)
        #expect(ImageCheck.judge(Self.inserting(0xFE, shouting, into: jpeg), format: .jpeg) != .ok)
        let xmp = Array("http://ns.adobe.com/xap/1.0/\u{0}<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF></rdf:RDF></x:xmpmeta>".utf8)
        #expect(ImageCheck.judge(Self.inserting(0xE1, xmp, into: jpeg), format: .jpeg) == .ok)
        // A PNG's text chunk.
        let png = try Self.bytes("photo.png")
        let text = Array("Comment\u{0}".utf8) + Self.page
        let chunk =
            [UInt8(text.count >> 24), UInt8(text.count >> 16 & 0xFF), UInt8(text.count >> 8 & 0xFF), UInt8(text.count & 0xFF)]
            + Array("tEXt".utf8) + text + [0, 0, 0, 0]
        guard case .refuse = ImageCheck.judge(Array(png[..<33]) + chunk + Array(png[33...]), format: .png) else {
            Issue.record("markup in a PNG's text was taken")
            return
        }
    }

    @Test func brokenImagesAreRefused() throws {
        let jpeg = try Self.bytes("photo.jpg")
        for broken in [Array(jpeg.prefix(jpeg.count / 2)), [0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF], [0xFF, 0xD8] + Self.page] {
            guard case .refuse = ImageCheck.judge(broken, format: .jpeg) else {
                Issue.record("a broken JPEG of \(broken.count) bytes was taken")
                continue
            }
        }
        guard case .refuse = ImageCheck.judge(Array(try Self.bytes("photo.png").prefix(60)), format: .png) else {
            Issue.record("a PNG without its end was taken")
            return
        }
    }

    /// Through the media store: the page after the photo's end is not stored, and the hash is the photo's.
    @Test func theStoreKeepsThePhotoAndNotThePageBehindIt() async throws {
        let root = Scratch.directory.appendingPathComponent("posy-image-\(UUID().uuidString)").path
        let store = try MediaStore(root: root, logger: Logger(label: "test"))
        let jpeg = try Self.bytes("photo.jpg")
        let id = try await store.begin(orderId: "o1", uploader: "u", accepted: [.jpeg], limit: 1 << 20)
        _ = try await store.append(id, offset: 0, bytes: Data(jpeg + Self.page))
        let stored = try await store.commit(id, uploader: "u")
        #expect(stored.size == Int64(jpeg.count) && stored.sha256 == Hex.encode(SHA256.hash(data: jpeg)))
        #expect(FileManager.default.contents(atPath: store.blobPath(stored.sha256)) == Data(jpeg))
        let refused = try await store.begin(orderId: "o1", uploader: "u", accepted: [.jpeg], limit: 1 << 20)
        _ = try await store.append(refused, offset: 0, bytes: Data(Self.inserting(0xFE, Self.page, into: jpeg)))
        do {
            _ = try await store.commit(refused, uploader: "u")
            Issue.record("a JPEG with a page in its comment was stored")
        } catch let e as PosyError {
            #expect(e.code == .unsupportedMediaType, "\(e)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
    }
}
