import Dispatch
import Foundation

/// Two turns, 0 and 1, that two threads hand each other in `posy bench handoff`: a semaphore each,
/// or a pipe each waited for with `poll` and drained with `read`.
final class HandoffPair: Sendable {
    private let primitive: HandoffBenchCommand.Primitive
    private let semaphores = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
    /// Per turn, the pipe's read and write ends.
    private let pipes: [(read: Int32, write: Int32)]

    init(_ primitive: HandoffBenchCommand.Primitive) throws {
        self.primitive = primitive
        guard primitive == .pipe else {
            pipes = []
            return
        }
        var made: [(read: Int32, write: Int32)] = []
        for _ in 0..<2 {
            var ends: [Int32] = [-1, -1]
            guard Foundation.pipe(&ends) == 0 else {
                let error = errno
                for p in made { _ = (Foundation.close(p.read), Foundation.close(p.write)) }
                throw HandoffError.noPipe(error)
            }
            made.append((ends[0], ends[1]))
        }
        pipes = made
    }

    /// Wakes whoever waits for `turn`.
    func give(_ turn: Int) {
        switch primitive {
        case .semaphore: semaphores[turn].signal()
        case .pipe:
            var one: UInt8 = 1
            _ = write(pipes[turn].write, &one, 1)
        }
    }

    /// Sleeps until `turn` is given.
    func waitForTurn(_ turn: Int) {
        switch primitive {
        case .semaphore: semaphores[turn].wait()
        case .pipe:
            var item = pollfd(fd: pipes[turn].read, events: Int16(POLLIN), revents: 0)
            while poll(&item, 1, -1) < 0 && errno == EINTR {}
            var byte: UInt8 = 0
            _ = read(pipes[turn].read, &byte, 1)
        }
    }

    func close() {
        for p in pipes { _ = (Foundation.close(p.read), Foundation.close(p.write)) }
    }
}
