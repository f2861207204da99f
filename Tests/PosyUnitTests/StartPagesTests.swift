import PosyCore
import Testing

/// How a service finds its executable's pages to let go (docs/architecture.md, "Linking").
@Suite struct StartPagesTests {
    @Test func findsEveryMappingOfTheExecutableAndNoOther() {
        let maps = """
            5641c4000000-5641c448c000 r--p 00000000 fe:00 16343065                   /opt/posy/bin/posy-bus
            5641c448c000-5641c5701000 r-xp 0048c000 fe:00 16343065                   /opt/posy/bin/posy-bus
            5641c5701000-5641c57b7000 rw-p 01701000 fe:00 16343065                   /opt/posy/bin/posy-bus
            5641c7923000-5641c7a2a000 rw-p 00000000 00:00 0
            7f2ea3ae5000-7f2ea3af2000 r--p 000c9000 fe:00 4907024                    /usr/lib/x86_64-linux-gnu/libzmq.so.5
            7f2ea3af2000-7f2ea3af3000 r--p 00000000 fe:00 4907025                    /opt/posy/bin/posy-bus-old
            7f2ea3af3000-7f2ea3af4000 r--p 00000000 fe:00 4907026                    /srv/my posy/posy-bus
            7ffd1000-7ffd0000 r--p 00000000 fe:00 4907025                    /opt/posy/bin/posy-bus
            zzzz-7ffd0000 r--p 00000000 fe:00 4907025                    /opt/posy/bin/posy-bus
            7ffd4f1e2000-7ffd4f203000 rw-p 00000000 00:00 0                          [stack]
            """
        #expect(
            StartPages.mappings(of: "/opt/posy/bin/posy-bus", in: maps) == [
                .init(0x5641_c400_0000..<0x5641_c448_c000, isCode: false), .init(0x5641_c448_c000..<0x5641_c570_1000, isCode: true),
                .init(0x5641_c570_1000..<0x5641_c57b_7000, isCode: false),
            ])
        // A path with spaces, and one the kernel marks as replaced on disk.
        #expect(StartPages.mappings(of: "/srv/my posy/posy-bus", in: maps).map(\.range) == [0x7f2e_a3af_3000..<0x7f2e_a3af_4000])
        #expect(
            StartPages.mappings(of: "/opt/posy/bin/posy-bus (deleted)", in: "1000-2000 r-xp 0 fe:00 1 /opt/posy/bin/posy-bus (deleted)")
                == [.init(0x1000..<0x2000, isCode: true)])
        #expect(StartPages.mappings(of: "/opt/posy/bin/posy", in: maps).isEmpty)
    }

    @Test func thisProcessHasItsExecutableMapped() throws {
        let mappings = try StartPages.executableMappings()
        #expect(mappings.contains { $0.isCode } && mappings.contains { !$0.isCode })
        #expect(mappings.allSatisfy { $0.range.lowerBound % 4096 == 0 && $0.range.count % 4096 == 0 })
    }
}
