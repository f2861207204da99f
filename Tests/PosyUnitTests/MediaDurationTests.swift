import Foundation
import PosyReceipts
import PosySchema
import Testing

/// Lengths read from the containers of the real sample files (`Tests/Fixtures/media`: 0.1 s of a
/// sine from ffmpeg; `voice.weba` 0.3 s from Chromium's MediaRecorder, which writes no `Duration`).
@Suite struct MediaDurationTests {
    static func path(_ name: String) -> String { MediaSnifferTests.fixtures.appendingPathComponent(name).path }

    @Test(arguments: [
        ("voice.opus", MediaFormat.ogg, 80...140), ("voice.wav", .wav, 95...105), ("voice.m4a", .m4a, 80...160),
        ("voice.amr", .amr, 100...100), ("voice.weba", .weba, 200...400), ("clip.mp4", .mp4, 80...140),
        ("clip.mov", .quicktime, 80...140), ("clip.webm", .webm, 80...140),
    ])
    func containersStateTheirLength(_ name: String, _ format: MediaFormat, _ range: ClosedRange<Int>) throws {
        let ms = try #require(MediaDuration.read(path: Self.path(name), format: format), "\(name): no length read")
        #expect(range.contains(ms), "\(name): \(ms) ms")
    }

    @Test func formatsThatStateNoLengthGiveNone() {
        #expect(MediaDuration.read(path: Self.path("voice.mp3"), format: .mp3) == nil)
        #expect(MediaDuration.read(path: Self.path("voice.aac"), format: .aac) == nil)
        #expect(MediaDuration.read(path: Self.path("photo.jpg"), format: .jpeg) == nil)
    }

    /// Sizes in a hostile file point past its end, loop, or claim the impossible: no crash, no length.
    @Test func hostileContainersAreReadSafely() throws {
        let dir = Scratch.directory.appendingPathComponent("posy-duration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func read(_ bytes: [UInt8], _ format: MediaFormat) throws -> Int? {
            let url = dir.appendingPathComponent(UUID().uuidString)
            try Data(bytes).write(to: url)
            return MediaDuration.read(path: url.path, format: format)
        }
        // An MP4 box that claims 4 GiB; a `moov` whose child claims more than its parent.
        #expect(try read([0xFF, 0xFF, 0xFF, 0xF0] + Array("moov".utf8) + [UInt8](repeating: 0, count: 32), .mp4) == nil)
        #expect(try read([0, 0, 0, 24] + Array("moov".utf8) + [0, 0, 1, 0] + Array("mvhd".utf8) + [0, 0, 0, 0, 0, 0, 0, 0], .m4a) == nil)
        // A WebM element whose size is 2⁵⁶ − 2, and one cut short.
        #expect(try read([0x1A, 0x45, 0xDF, 0xA3, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE], .webm) == nil)
        #expect(try read([0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x44, 0x89, 0x88, 0x40], .weba) == nil)
        // A WAV whose chunks loop forever (size 0xFFFFFFFF), with no data chunk.
        #expect(
            try read(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8) + Array("LIST".utf8) + [0xFF, 0xFF, 0xFF, 0xFF], .wav) == nil)
        // An Ogg stream of its head page alone is 0 ms long; an AMR frame of an unknown mode has none.
        #expect(try read(Array("OggS".utf8) + [UInt8](repeating: 0, count: 24) + Array("OpusHead".utf8) + [1, 1, 0, 0], .ogg) == 0)
        #expect(try read(Array("#!AMR\n".utf8) + [0x4C], .amr) == nil)
        // Empty.
        #expect(try read([], .ogg) == nil)
    }
}
