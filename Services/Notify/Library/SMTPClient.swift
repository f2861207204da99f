import Foundation
import PosySchema

#if canImport(Glibc)
    import Glibc
#endif

/// A small SMTP client (RFC 5321, no TLS or auth: it talks to a relay on the local network, which
/// does those): `EHLO`, `MAIL FROM`, `RCPT TO`, `DATA` with a UTF-8 text body in base64, `QUIT`.
/// Blocking on its own thread; each send is one connection.
public struct SMTPClient: Sendable {
    public var host: String
    public var port: Int
    public var from: String
    public var timeout: Double = 10

    public init(host: String, port: Int, from: String) {
        self.host = host
        self.port = port
        self.from = from
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends one message; `id` becomes its Message-ID (a receiver can drop a repeat).
    public func send(to: String, subject: String, body: String, id: String) async throws {
        let client = self
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            Thread.detachNewThread {
                do {
                    try client.sendBlocking(to: to, subject: subject, body: body, id: id)
                    c.resume()
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }

    /// Refused before connecting: a value that would not stay inside its SMTP command or header.
    /// Addresses are plain addr-specs, the id a token; the subject and body travel base64-encoded.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    static func check(to: String, from: String, id: String) throws(Refused) {
        guard EmailAddress.isValid(to) else { throw Refused(description: "smtp: recipient is not a plain address") }
        guard EmailAddress.isValid(from) else { throw Refused(description: "smtp: sender is not a plain address") }
        guard !id.isEmpty, id.utf8.count <= 128,
            id.utf8.allSatisfy({ EmailAddress.isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw Refused(description: "smtp: message id is not a token") }
    }

    func sendBlocking(to: String, subject: String, body: String, id: String) throws {
        try Self.check(to: to, from: from, id: id)
        let fd = try connect()
        defer { close(fd) }
        var reader = LineReader(fd: fd)
        try expect(&reader, 220)
        try command(fd, &reader, "EHLO posy", 250)
        try command(fd, &reader, "MAIL FROM:<\(from)>", 250)
        try command(fd, &reader, "RCPT TO:<\(to)>", 250)
        try command(fd, &reader, "DATA", 354)
        let date = Self.dateFormatter.string(from: Date())
        let encodedSubject = "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let lines = Data(body.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        let message = """
            From: <\(from)>\r
            To: <\(to)>\r
            Subject: \(encodedSubject)\r
            Date: \(date)\r
            Message-ID: <\(id)@posy>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=UTF-8\r
            Content-Transfer-Encoding: base64\r
            \r
            \(lines)\r
            .
            """
        try command(fd, &reader, message, 250)
        _ = try? command(fd, &reader, "QUIT", 221)
    }

    static let dateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()

    func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "smtp: cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            ai = a.pointee.ai_next
        }
        throw Failure(description: "smtp: cannot connect to \(host):\(port)")
    }

    func command(_ fd: Int32, _ reader: inout LineReader, _ line: String, _ code: Int) throws {
        var bytes = Array((line + "\r\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "smtp: connection lost while sending") }
            sent += n
        }
        try expect(&reader, code)
    }

    /// Reads a (possibly multi-line) reply and checks its code.
    func expect(_ reader: inout LineReader, _ code: Int) throws {
        while true {
            guard let line = try reader.next() else { throw Failure(description: "smtp: connection closed") }
            guard line.count >= 3, let got = Int(line.prefix(3)) else { throw Failure(description: "smtp: bad reply \(line)") }
            if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
            guard got == code else { throw Failure(description: "smtp: \(line)") }
            return
        }
    }

    struct LineReader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func next() throws -> String? {
            while true {
                if let i = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<i], as: UTF8.self).trimmingCharacters(in: .newlines)
                    buffer.removeFirst(i + 1)
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if n == 0 { return nil }
                guard n > 0 else { throw Failure(description: "smtp: no reply (timeout)") }
                buffer.append(contentsOf: chunk[..<n])
            }
        }
    }
}
