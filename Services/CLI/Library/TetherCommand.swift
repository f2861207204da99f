import ArgumentParser
import Foundation

/// `posy dev tether -- PROGRAM ARGS…`: runs a program that is not a Posy process (Litestream) so
/// that it ends with the `posy up` that started it, as Posy's own processes do (they watch their
/// parent, docs/operations.md, "Running"): a SIGTERM or SIGINT is passed on to it, and when the
/// parent is gone — even SIGKILLed — it is stopped (SIGTERM, then SIGKILL after 10 s). Exits with
/// the program's status.
struct TetherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tether", abstract: "Run a program that stops when this process's parent is gone.")

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments.") var command: [String]

    func validate() throws {
        guard let first = command.first(where: { $0 != "--" }), first.hasPrefix("/") else {
            throw ValidationError("give the program by its absolute path: posy dev tether -- /usr/bin/litestream …")
        }
    }

    func run() throws {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        let parent = getppid()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: words[0])
        child.arguments = Array(words.dropFirst())
        try child.run()
        let pid = child.processIdentifier
        let sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { kill(pid, sig) }
            source.resume()
            return source
        }
        // The same half-second look at the parent a Posy process takes (ParentWatch).
        while child.isRunning {
            if getppid() != parent {
                kill(pid, SIGTERM)
                let deadline = Date().addingTimeInterval(10)
                while child.isRunning && Date() < deadline { usleep(50_000) }
                if child.isRunning { kill(pid, SIGKILL) }
                break
            }
            usleep(500_000)
        }
        child.waitUntilExit()
        withExtendedLifetime(sources) {}
        throw ExitCode(child.terminationStatus)
    }
}
