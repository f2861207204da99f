import Foundation
import PosyReceipts
import PosySchema
import Testing

/// Sniffing with real sample files of every listed type (`Tests/Fixtures/media`, made by ffmpeg,
/// heif-enc and exiftool — see its README).
@Suite struct MediaSnifferTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/media")

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    static let expected: [(String, MediaFormat, String)] = [
        ("photo.jpg", .jpeg, "image/jpeg"), ("photo.png", .png, "image/png"), ("photo.webp", .webp, "image/webp"),
        ("photo.heic", .heic, "image/heic"), ("voice.opus", .ogg, "audio/ogg"), ("voice.aac", .aac, "audio/aac"),
        ("voice.m4a", .m4a, "audio/mp4"), ("voice.amr", .amr, "audio/amr"), ("voice.mp3", .mp3, "audio/mpeg"),
        ("voice-noid3.mp3", .mp3, "audio/mpeg"), ("voice.wav", .wav, "audio/wav"), ("clip.mp4", .mp4, "video/mp4"),
        ("clip.mov", .quicktime, "video/quicktime"), ("clip.webm", .webm, "video/webm"), ("voice.weba", .weba, "audio/webm"),
    ]

    @Test(arguments: expected.map(\.0))
    func everyListedTypeIsRecognisedAndAgreesWithItsDeclaredType(_ name: String) throws {
        let (_, format, declared) = try #require(Self.expected.first { $0.0 == name })
        let bytes = try Self.fixture(name)
        #expect(MediaSniffer.sniff(bytes) == format)
        #expect(MediaFormat.accepted(forDeclared: declared)?.contains(format) == true)
        #expect(MediaFormat.accepted(forDeclared: declared + "; charset=binary")?.contains(format) == true)
    }

    @Test func aVideoIsNotAVoiceMessageWhateverItsTypeSays() throws {
        #expect(MediaFormat.accepted(forDeclared: "audio/webm")?.contains(.webm) == false)
        #expect(MediaFormat.accepted(forDeclared: "video/webm")?.contains(.weba) == false)
        #expect(MediaFormat.weba.kind == .voice && MediaFormat.webm.kind == .video)
        // The sound of a recording and a video's pictures sit in the first bytes a browser writes.
        let voice = try Self.fixture("voice.weba")
        #expect(MediaSniffer.sniff(voice.prefix(MediaSniffer.prefixLength)) == .weba)
    }

    @Test func aPNGDeclaredAsJPEGDoesNotAgree() throws {
        let png = try #require(MediaSniffer.sniff(try Self.fixture("photo.png")))
        #expect(png == .png)
        #expect(MediaFormat.accepted(forDeclared: "image/jpeg")?.contains(png) == false)
    }

    @Test func executablesAndOtherFilesAreNoMediaAtAll() throws {
        let elf = try Data(contentsOf: URL(fileURLWithPath: "/bin/true"))
        #expect(MediaSniffer.sniff(elf) == nil)
        #expect(MediaSniffer.sniff(Data("#!/bin/sh\necho hi\n".utf8)) == nil)
        #expect(MediaSniffer.sniff(Data("%PDF-1.7\n".utf8)) == nil)
        #expect(MediaSniffer.sniff(Data([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0])) == nil)  // zip
        #expect(MediaSniffer.sniff(Data()) == nil)
        #expect(MediaSniffer.sniff(Data([0xFF])) == nil)
        // Matroska that is not WebM is not taken.
        var mkv = try Self.fixture("clip.webm")
        if let r = mkv.range(of: Data("webm".utf8)) { mkv.replaceSubrange(r, with: Data("mkvx".utf8)) }
        #expect(MediaSniffer.sniff(mkv) == nil)
        #expect(MediaFormat.accepted(forDeclared: "application/x-msdownload") == nil)
        #expect(MediaFormat.accepted(forDeclared: "text/html") == nil)
    }

    @Test func limitsPerKind() {
        let l = MediaLimits()
        #expect(l.limit(for: .image) == 10 << 20 && l.limit(for: .voice) == 5 << 20 && l.limit(for: .video) == 100 << 20)
        #expect(MediaFormat.allCases.allSatisfy { MediaFormat.accepted(forDeclared: $0.contentType)?.contains($0) == true })
    }
}
