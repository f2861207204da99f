import Foundation
import Synchronization

/// One supervised child: started, its output prefixed line by line, restarted with backoff when it
/// dies unexpectedly.
final class ChildProcess: @unchecked Sendable {
    let spec: SuiteLayout.Child
    let path: String
    let color: String
    let width: Int
    private let lock = NSLock()
    private var process: Process?
    private var stopping = false
    private var restarts = 0
    private var startedAt = Date()
    private let output: OutputSink

    let firstDelay: Double

    init(spec: SuiteLayout.Child, binDir: String, color: String, width: Int, output: OutputSink, firstDelay: Double) {
        self.firstDelay = firstDelay
        self.spec = spec
        // A program of the suite's from the bin directory; another (litestream) by its own path.
        self.path = spec.executable.hasPrefix("/") ? spec.executable : (binDir as NSString).appendingPathComponent(spec.executable)
        self.color = color
        self.width = width
        self.output = output
    }

    var pid: Int32? { lock.withLock { process?.processIdentifier } }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = spec.arguments
        var environment = ProcessInfo.processInfo.environment
        environment["POSY_EXIT_WITH_PARENT"] = "1"  // children stop if this supervisor is killed
        p.environment = environment
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        let prefix = output.prefix(spec.name, color: color, width: width)
        let buffer = LineBuffer()
        pipe.fileHandleForReading.readabilityHandler = { [output] h in
            let data = h.availableData
            if data.isEmpty {
                h.readabilityHandler = nil
                return
            }
            for line in buffer.append(data) { output.write(prefix + line) }
        }
        p.terminationHandler = { [weak self] proc in self?.exited(proc) }
        try p.run()
        lock.withLock {
            process = p
            startedAt = Date()
        }
    }

    private func exited(_ proc: Process) {
        let (stop, delay): (Bool, Double) = lock.withLock {
            if stopping { return (true, 0) }
            // Backoff: firstDelay doubling to 10 s; a child that ran a minute starts over.
            if Date().timeIntervalSince(startedAt) > 60 { restarts = 0 }
            restarts += 1
            return (false, min(max(10, firstDelay), firstDelay * pow(2, Double(restarts - 1))))
        }
        if stop { return }
        let how = proc.terminationReason == .uncaughtSignal ? "signal \(proc.terminationStatus)" : "status \(proc.terminationStatus)"
        output.write(output.prefix("posy", color: "", width: width) + "\(spec.name) exited (\(how)); restarting in \(delay) s")
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self, !self.lock.withLock({ self.stopping }) else { return }
            do {
                try self.start()
            } catch {
                self.output.write("posy: cannot restart \(self.spec.name): \(error)")
            }
        }
    }

    /// SIGTERM now; the caller waits and SIGKILLs leftovers.
    func terminate() {
        let p: Process? = lock.withLock {
            stopping = true
            return process
        }
        if let p, p.isRunning { kill(p.processIdentifier, SIGTERM) }
    }

    func kill9() {
        if let p = lock.withLock({ process }), p.isRunning { kill(p.processIdentifier, SIGKILL) }
    }

    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }
}

/// Splits a byte stream into lines.
final class LineBuffer: @unchecked Sendable {
    private var pending = Data()
    private let lock = NSLock()

    func append(_ data: Data) -> [String] {
        lock.withLock {
            pending.append(data)
            var lines: [String] = []
            while let i = pending.firstIndex(of: 0x0A) {
                lines.append(String(decoding: pending[pending.startIndex..<i], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...i)
            }
            return lines
        }
    }
}

/// Serialised, optionally coloured output of `posy up`.
final class OutputSink: Sendable {
    let colored: Bool
    private let lock = Mutex(())

    init(colored: Bool) { self.colored = colored }

    func prefix(_ name: String, color: String, width: Int) -> String {
        let padded = name.padding(toLength: width, withPad: " ", startingAt: 0)
        return colored && !color.isEmpty ? "\(color)\(padded) |\u{1B}[0m " : "\(padded) | "
    }

    func write(_ line: String) {
        lock.withLock { _ in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
