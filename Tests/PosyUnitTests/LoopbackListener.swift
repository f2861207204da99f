import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP listener on 127.0.0.1 for tests of outbound calls: counts connections, keeps each HTTP
/// request it reads (head and `Content-Length` body), and answers each with `reply` (default 200).
final class LoopbackListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let state = State()

    final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var requests: [String] = []
        var accepted: Int { lock.withLock { count } }
        var received: [String] { lock.withLock { requests } }
        func accept() { lock.withLock { count += 1 } }
        func record(_ r: String) { lock.withLock { requests.append(r) } }
    }

    var accepted: Int { state.accepted }
    /// The requests read so far, as text.
    var requests: [String] { state.received }

    init(reply: String = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n") throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, len) } }
        listen(listening, 16)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &len) }
        }
        fd = listening
        port = Int(UInt16(bigEndian: addr.sin_port))
        let state = self.state
        Thread.detachNewThread {
            while true {
                let c = accept(listening, nil, nil)
                guard c >= 0 else { return }
                state.accept()
                state.record(Self.readRequest(c))
                _ = reply.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(c)
            }
        }
    }

    static func readRequest(_ c: Int32) -> String {
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound) + length <= data.count { return text }
            }
            let n = recv(c, &buffer, buffer.count, 0)
            guard n > 0 else { return String(decoding: data, as: UTF8.self) }
            data += buffer[..<n]
        }
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
