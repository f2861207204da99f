import Foundation
import PosyReceipts
import PosySchema
import Testing

@Suite struct ExifReaderTests {
    @Test func captureTimeAndGPSOfAProofPhoto() throws {
        // photo.jpg: exiftool -DateTimeOriginal='2026:05:10 11:42:07' -GPSLatitude=52.5208 N -GPSLongitude=13.4095 E
        let meta = try #require(ExifReader.read(jpeg: try MediaSnifferTests.fixture("photo.jpg")))
        #expect(meta.capturedAt == "2026-05-10T11:42:07")
        #expect(abs((meta.lat ?? 0) - 52.5208) < 0.0001)
        #expect(abs((meta.lon ?? 0) - 13.4095) < 0.0001)
    }

    @Test func southWestAndAnOffsetFromABuiltExif() {
        let meta = ExifReader.read(
            jpeg: Self.jpeg(
                lat: (33, 52, 4.2), latRef: "S", lon: (151, 12, 36), lonRef: "W",
                time: "2026:02:14 09:30:00", offset: "+11:00"))
        #expect(meta?.capturedAt == "2026-02-14T09:30:00+11:00")
        #expect(abs((meta?.lat ?? 0) - -(33 + 52 / 60.0 + 4.2 / 3600)) < 1e-6)
        #expect(abs((meta?.lon ?? 0) - -(151 + 12 / 60.0 + 36 / 3600)) < 1e-6)
    }

    @Test func noExifOrDamagedExifGivesNothingAndNeverCrashes() throws {
        #expect(ExifReader.read(jpeg: Data([0xFF, 0xD8, 0xFF, 0xD9])) == nil)
        #expect(ExifReader.read(jpeg: try MediaSnifferTests.fixture("photo.png")) == nil)
        let good = Self.jpeg(lat: (1, 2, 3), latRef: "N", lon: (4, 5, 6), lonRef: "E", time: "2026:01:01 00:00:00", offset: nil)
        // Every truncation and a sweep of single-byte corruptions: no crash, no out-of-range position.
        for n in stride(from: 0, to: good.count, by: 3) {
            let m = ExifReader.read(jpeg: good.prefix(n))
            #expect(m?.lat.map { (-90...90).contains($0) } ?? true)
        }
        for i in 0..<good.count {
            var bad = good
            bad[i] ^= 0xA5
            _ = ExifReader.read(jpeg: bad)
        }
    }

    /// A minimal big-endian EXIF JPEG: IFD0 → Exif IFD (DateTimeOriginal, OffsetTimeOriginal) and GPS IFD.
    static func jpeg(
        lat: (UInt32, UInt32, Double), latRef: String, lon: (UInt32, UInt32, Double), lonRef: String,
        time: String, offset: String?
    ) -> [UInt8] {
        var t: [UInt8] = Array("MM".utf8) + [0, 42] + be32(8)
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: [UInt8]) -> [UInt8] {
            be16(tag) + be16(type) + be32(UInt32(count)) + value
        }
        // Layout: IFD0 at 8 (2 entries) → 8+2+24+4 = 38; Exif IFD at 38; GPS IFD after; data area after that.
        let exifEntries = offset == nil ? 1 : 2
        let exifAt = 38
        let gpsAt = exifAt + 2 + 12 * exifEntries + 4
        let dataAt = gpsAt + 2 + 12 * 4 + 4
        var data: [UInt8] = []
        func put(_ bytes: [UInt8]) -> [UInt8] {
            let at = dataAt + data.count
            data += bytes
            return be32(UInt32(at))
        }
        t += be16(2) + entry(0x8769, 4, 1, be32(UInt32(exifAt))) + entry(0x8825, 4, 1, be32(UInt32(gpsAt))) + be32(0)
        var exif = be16(exifEntries) + entry(0x9003, 2, 20, put(Array(time.utf8) + [0]))
        if let offset { exif += entry(0x9011, 2, 7, put(Array(offset.utf8) + [0])) }
        t += exif + be32(0)
        func rational(_ d: (UInt32, UInt32, Double)) -> [UInt8] {
            be32(d.0) + be32(1) + be32(d.1) + be32(1) + be32(UInt32(d.2 * 100)) + be32(100)
        }
        t +=
            be16(4) + entry(1, 2, 2, Array(latRef.utf8) + [0, 0, 0]) + entry(2, 5, 3, put(rational(lat)))
            + entry(3, 2, 2, Array(lonRef.utf8) + [0, 0, 0]) + entry(4, 5, 3, put(rational(lon))) + be32(0)
        t += data
        let app1 = Array("Exif".utf8) + [0, 0] + t
        return [0xFF, 0xD8, 0xFF, 0xE1] + be16(app1.count + 2) + app1 + [0xFF, 0xD9]
    }
}
