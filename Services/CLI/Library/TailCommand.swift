import ArgumentParser
import Foundation
import PosyCore
import PosySchema
import PosyZMQ

/// `posy tail [prefix]`: bus events live, one line each.
public struct TailCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print bus events live (heartbeats hidden unless asked for).")

    @Argument(help: "Topic prefix to follow (default: everything).")
    var prefix: String = ""
    @OptionGroup var bus: BusOptions
    @Flag(name: .customLong("heartbeats"), help: "Include sys.heartbeat.")
    var heartbeats = false
    @Flag(name: .customLong("json"), help: "Print each envelope as JSON.")
    var json = false
    @Option(name: .customLong("count"), help: "Exit after this many events.")
    var count: Int?

    public init() {}

    public func run() async throws {
        var options = ZMQSocketOptions()
        options.curve = try bus.security().client(of: ServiceName.bus)
        options.subscriptions = [prefix]
        options.overflow = .drop  // a terminal that cannot keep up misses lines, never stalls libzmq
        let socket = try await ZMQSocket.open(.sub, connect: [try bus.config().busSub], options: options, name: "tail")
        var printed = 0
        func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        while let frames = await socket.inbox.next() {
            guard frames.count == 2 else {
                emit("! \(frames.count)-frame message (not [topic][envelope])")
                continue
            }
            let topic = String(decoding: frames[0], as: UTF8.self)
            if topic == Topic.heartbeat && !heartbeats && !prefix.hasPrefix(Topic.heartbeat) { continue }
            if json {
                emit(String(decoding: frames[1], as: UTF8.self))
            } else if let e = try? EnvelopeCodec.decode(frames[1]) {
                let data = String(decoding: e.data, as: UTF8.self)
                let seq = e.seq > 0 ? "#\(e.seq)" : "~"
                emit("\(e.at) \(topic) \(e.src)\(seq) \(data.count > 400 ? data.prefix(400) + "…" : data)")
            } else {
                emit("! \(topic): undecodable envelope (\(frames[1].count) bytes)")
            }
            printed += 1
            if let count, printed >= count { break }
        }
        await socket.close()
    }
}
